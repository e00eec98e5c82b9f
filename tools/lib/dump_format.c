#include "dump_format.h"

#include <string.h>
#include <time.h>

#include "audit.h"
#include "fdinfo.h"
#include "inherit.h"
#include "msg.h"

/* The text field may lack its NUL and may hold anything: print at most its size, printable only
 * (no terminal escapes from a hostile file). */
static void put_text_plain(FILE *out, const char *text)
{
        for (size_t i = 0; i < FL_RECORD_TEXT && text[i]; i++) {
                unsigned char c = (unsigned char)text[i];

                fputc(c >= 0x20 && c < 0x7f ? c : '?', out);
        }
}

void dump_table_heading(FILE *out)
{
        fprintf(out, "%-8s %-13s %-15s %-13s %-11s %5s %-19s %-9s %s\n", "SEQ", "TIME", "WALL",
                "PID/TID", "CALL", "FD", "DECISION", "RESULT", "DETAIL");
}

static void put_wall(FILE *out, int64_t wall_ns)
{
        time_t secs = (time_t)(wall_ns / 1000000000);
        struct tm tm;
        char buf[16];

        if (wall_ns < 0 || !localtime_r(&secs, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm))
                snprintf(buf, sizeof(buf), "?");
        fprintf(out, "%s.%06lld  ", buf, (long long)(wall_ns % 1000000000 / 1000));
}

enum names_view dump_view_alone(const struct fl_record *rec)
{
        if (rec->call != FL_CALL_INHERIT)
                return NAMES_VIEW_NONE;
        if (rec->aux == FL_AUDIT_CHILD)
                return NAMES_VIEW_CHILD;
        if (rec->aux == FL_AUDIT_ARGV)
                return NAMES_VIEW_ARGV;
        return rec->aux == FL_AUDIT_PARENT ? NAMES_VIEW_PARENT_ONLY : NAMES_VIEW_NONE;
}

static const char *text_label(enum names_view view)
{
        if (view == NAMES_VIEW_ARGV || view == NAMES_VIEW_ARGV_ALONE ||
            view == NAMES_VIEW_ARGV_QUIET)
                return "argv=";
        return "";
}

void dump_table_row(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec)
{
        dump_table_row_view(out, r, rec, dump_view_alone(rec));
}

void dump_table_row_view(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         enum names_view view)
{
        int64_t rel = fl_ring_reader_rel_ns(r, rec->ts_ns);
        char result[32], who[32], num[FL_NUM_TEXT], detail[512];
        struct names_buf d = {detail, sizeof(detail), 0};

        if (rec->result == -1)
                snprintf(result, sizeof(result), "%s", fl_errno_name(rec->err, num));
        else
                snprintf(result, sizeof(result), "%d", rec->result);
        snprintf(who, sizeof(who), "%d/%d", rec->pid, rec->tid);
        fprintf(out, "%-8llu %s%lld.%06llds  ", (unsigned long long)rec->seq, rel < 0 ? "-" : "+",
                (long long)((rel < 0 ? -(rel / 1000) : rel / 1000) / 1000000),
                (long long)((rel < 0 ? -(rel / 1000) : rel / 1000) % 1000000));
        put_wall(out, fl_ring_reader_wall_ns(r, rec->ts_ns));
        fprintf(out, "%-13s %-11s %5d %-19s %-9s", who, fl_call_name(rec->call), rec->fd,
                fl_decision_name(names_shown_decision(rec, view)), result);
        detail[0] = '\0';
        names_detail(&d, rec, view);
        if (d.len)
                fprintf(out, " %s", detail);
        if (rec->text[0]) {
                fprintf(out, " %s\"", text_label(view));
                put_text_plain(out, rec->text);
                fputc('"', out);
        }
        fputc('\n', out);
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

        if (s[0] >= 0xf5 || len > n)
                return 0;
        for (size_t i = 1; i < len; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        if ((len == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
            (len == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
            (len == 4 && s[0] == 0xf0 && s[1] < 0x90) || (len == 4 && s[0] == 0xf4 && s[1] >= 0x90))
                return 0;
        return len;
}

/* A JSON string: escapes quotes, backslashes and controls; invalid UTF-8 becomes U+FFFD, so the
 * line is always valid JSON whatever the file holds. */
static void put_json_text(FILE *out, const char *text, size_t max)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t n = strnlen(text, max);

        fputc('"', out);
        for (size_t i = 0; i < n;) {
                size_t len;

                if (s[i] == '"' || s[i] == '\\') {
                        fprintf(out, "\\%c", s[i++]);
                } else if (s[i] < 0x20 || s[i] == 0x7f) {
                        fprintf(out, "\\u%04x", s[i++]);
                } else if (s[i] < 0x80) {
                        fputc(s[i++], out);
                } else if ((len = utf8_len(s + i, n - i)) != 0) {
                        fwrite(s + i, 1, len, out);
                        i += len;
                } else {
                        fputs("\\ufffd", out);
                        i++;
                }
        }
        fputc('"', out);
}

void dump_json_line(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec)
{
        dump_json_line_view(out, r, rec, NULL, dump_view_alone(rec));
}

void dump_json_line_text(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         const char *text)
{
        dump_json_line_view(out, r, rec, text, dump_view_alone(rec));
}

static void put_json_name(FILE *out, const char *key, const char *value)
{
        fprintf(out, ",\"%s\":", key);
        put_json_text(out, value, strlen(value));
}

/* Names beside the numbers, per call (tools/lib/names.h). */
static void put_json_names(FILE *out, const struct fl_record *rec, enum names_view view)
{
        char a[64], b[64];

        switch (rec->call) {
        case FL_CALL_SOCKET:
        case FL_CALL_SOCKETPAIR:
                put_json_name(out, "family_name", names_family(rec->family, a));
                put_json_name(out, "type_name", names_socktype(rec->type, b));
                /* fall through */
        case FL_CALL_ACCEPT:
        case FL_CALL_ACCEPT4:
                put_json_name(out, "flags_asked_names", names_sock_flags(rec->flags_asked, a));
                put_json_name(out, "flags_applied_names", names_sock_flags(rec->flags_applied, b));
                break;
        case FL_CALL_FCNTL:
                put_json_name(out, "cmd", names_fcntl_cmd((int)rec->flags_asked, a));
                put_json_name(out, "cmd_issued", names_fcntl_cmd((int)rec->flags_applied, b));
                break;
        case FL_CALL_LISTEN:
                fprintf(out, ",\"backlog\":%d,\"backlog_passed\":%d", (int)rec->flags_asked,
                        rec->aux);
                break;
        case FL_CALL_START:
                fprintf(out, ",\"parent_pid\":%d", rec->child_pid);
                break;
        case FL_CALL_INHERIT:
                put_json_name(out, "view", names_view(view) ? names_view(view) : "unknown");
                if (view == NAMES_VIEW_ARGV || view == NAMES_VIEW_ARGV_ALONE ||
                    view == NAMES_VIEW_ARGV_QUIET) {
                        put_json_name(out, "argv_of", fl_call_name((enum fl_call)rec->fd2));
                        break;
                }
                put_json_name(out, "kind", fl_fd_kind_name((enum fl_fd_kind)rec->protocol));
                if (rec->decision == FL_DEC_PASSED)
                        put_json_name(out, "reason",
                                      fl_pass_reason_name((enum fl_pass_reason)rec->flags_asked));
                if (names_shown_decision(rec, view) != rec->decision)
                        put_json_name(out, "recorded_decision",
                                      fl_decision_name((enum fl_decision)rec->decision));
                break;
        default:
                break;
        }
}

void dump_json_line_view(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         const char *text, enum names_view view)
{
        char num[FL_NUM_TEXT], detail[512], would[128];
        struct names_buf d = {detail, sizeof(detail), 0}, w = {would, sizeof(would), 0};

        fprintf(out,
                "{\"seq\":%llu,\"ts_ns\":%llu,\"wall_ns\":%lld,\"rel_ns\":%lld,\"pid\":%d,"
                "\"tid\":%d,\"call\":\"%s\",\"call_id\":%u,\"fd\":%d,\"fd2\":%d,\"result\":%d,"
                "\"errno\":%d,",
                (unsigned long long)rec->seq, (unsigned long long)rec->ts_ns,
                (long long)fl_ring_reader_wall_ns(r, rec->ts_ns),
                (long long)fl_ring_reader_rel_ns(r, rec->ts_ns), rec->pid, rec->tid,
                fl_call_name(rec->call), rec->call, rec->fd, rec->fd2, rec->result, rec->err);
        if (rec->err)
                fprintf(out, "\"errno_name\":\"%s\",", fl_errno_name(rec->err, num));
        else
                fputs("\"errno_name\":null,", out);
        fprintf(out,
                "\"decision\":\"%s\",\"decision_id\":%u,\"family\":%d,\"type\":%d,"
                "\"protocol\":%d,\"flags_asked\":%u,\"flags_applied\":%u,\"ino\":%llu,"
                "\"child_pid\":%d,\"aux\":%d,\"text\":",
                fl_decision_name(names_shown_decision(rec, view)),
                (unsigned)names_shown_decision(rec, view), rec->family, rec->type, rec->protocol,
                rec->flags_asked, rec->flags_applied, (unsigned long long)rec->ino, rec->child_pid,
                rec->aux);
        if (text)
                put_json_text(out, text, strlen(text));
        else
                put_json_text(out, rec->text, FL_RECORD_TEXT);
        detail[0] = would[0] = '\0';
        names_detail(&d, rec, view);
        put_json_name(out, "detail", detail);
        put_json_names(out, rec, view);
        names_would_change(&w, rec);
        if (w.len)
                put_json_name(out, "would_change", would);
        fputs("}\n", out);
}

void dump_summary(FILE *out, const struct fl_ring_stats *st, uint64_t shown,
                  const uint64_t by_decision[FL_DEC_COUNT + 1])
{
        const char *sep = "";

        fprintf(out,
                "\nsummary: %llu records shown of %llu read; written %llu, overwritten %llu, "
                "dropped %llu, skipped %llu (unfinished writes), lost %llu (overwritten while "
                "reading)\n",
                (unsigned long long)shown, (unsigned long long)st->records,
                (unsigned long long)st->written, (unsigned long long)st->overwritten,
                (unsigned long long)st->dropped, (unsigned long long)st->skipped,
                (unsigned long long)st->lost);
        fputs("by decision:", out);
        for (int d = 0; d <= FL_DEC_COUNT; d++) {
                if (!by_decision[d])
                        continue;
                fprintf(out, "%s %s %llu", sep, d < FL_DEC_COUNT ? fl_decision_name(d) : "unknown",
                        (unsigned long long)by_decision[d]);
                sep = ",";
        }
        fputs(*sep ? "\n" : " none\n", out);
}
