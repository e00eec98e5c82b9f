#include "shim.h"

#include "audit.h"

uint64_t fl_shim_decide(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision)
{
        record->decision = (uint8_t)decision;
        atomic_fetch_add_explicit(&shim->decisions[decision], 1, memory_order_relaxed);
        if (shim->emit) {
                fl_audit_note_ino(shim, record); /* the audit finds an fd's origin by inode */
                shim->emit(record);
        }
        return record->seq;
}
