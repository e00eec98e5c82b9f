#include "shim.h"

uint64_t fl_shim_decide(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision)
{
        record->decision = (uint8_t)decision;
        atomic_fetch_add_explicit(&shim->decisions[decision], 1, memory_order_relaxed);
        if (shim->emit)
                shim->emit(record);
        return record->seq;
}
