#include "recorder.h"

#include "ids.h"

static struct fl_ring process_ring;

void fl_recorder_emit(struct fl_record *record)
{
        if (record->pid == 0) {
                record->pid = fl_ids_pid();
                record->tid = fl_ids_tid();
        }
        record->seq = fl_ring_append(&process_ring, record);
}

void fl_recorder_start(struct fl_shim *shim, const char *log_path, const char *ring_text)
{
        uint32_t capacity = fl_ring_capacity_parse(ring_text);

        if (!log_path || !log_path[0] || fl_ring_open_file(&process_ring, log_path, capacity) < 0)
                fl_ring_open_anonymous(&process_ring, capacity);
        shim->emit = fl_recorder_emit;
}

const struct fl_ring *fl_recorder_ring(void)
{
        return &process_ring;
}
