#include "recorder.h"

#include <string.h>

#include "hot.h"
#include "clock.h"
#include "ids.h"
#include "warn.h"
#include "warn_speak.h"

static struct fl_ring process_ring;

FL_HOT void fl_recorder_emit(struct fl_record *record)
{
        if (record->pid == 0) {
                record->pid = fl_ids_pid();
                record->tid = fl_ids_tid();
        }
        record->seq = fl_ring_append(&process_ring, record);
}

static void record_warning(const char *text, size_t len)
{
        int parts = (int)((len + FL_RECORD_TEXT - 1) / FL_RECORD_TEXT);

        if (parts > FL_WARNING_MAX_PARTS)
                parts = FL_WARNING_MAX_PARTS;
        for (int i = 0; i < parts || i == 0; i++) {
                struct fl_record record;
                size_t at = (size_t)i * FL_RECORD_TEXT;
                size_t n = len - at < FL_RECORD_TEXT ? len - at : FL_RECORD_TEXT;

                memset(&record, 0, sizeof(record));
                record.call = FL_CALL_WARNING;
                record.fd = i;
                record.fd2 = parts ? parts : 1;
                record.result = (int32_t)len;
                memcpy(record.text, text + at, n);
                fl_recorder_emit(&record);
        }
}

/* No ring file anyone will read: kept in memory for the audit, said to a person at most once. */
static void record_and_speak(const char *text, size_t len)
{
        record_warning(text, len);
        fl_warn_speak(text, len);
}

static int open_file_ring(const char *log_path, uint32_t capacity)
{
        uid_t owner;
        int rc = fl_ring_open_mine(&process_ring, log_path, capacity, &owner);

        if (rc == FL_RING_FOREIGN)
                rc = fl_ring_open_drop(&process_ring, log_path, owner);
        return rc;
}

void fl_recorder_start(struct fl_shim *shim, const char *log_path, const char *ring_text)
{
        uint32_t capacity = fl_ring_capacity_parse(ring_text);

        if (log_path && log_path[0] && open_file_ring(log_path, capacity) == 0) {
                fl_warn_set_sink(record_warning);
        } else {
                fl_ring_open_anonymous(&process_ring, capacity);
                fl_warn_set_sink(record_and_speak);
        }
        shim->emit = fl_recorder_emit;
}

void fl_recorder_forbid_tsc(void)
{
        fl_ring_forbid_tsc(&process_ring);
        fl_clock_forbid_vdso();
}

const struct fl_ring *fl_recorder_ring(void)
{
        return &process_ring;
}
