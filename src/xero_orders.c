/* TEMPORARY: orders mode is being written. */
#include "xero_int.h"
int xero_render_orders(struct ledger *lg, const struct xsettle *s, struct xero_reqs *out,
                       struct err *e)
{
    (void)lg; (void)s; (void)out;
    return err_set(e, ERR_INPUT, "posting.mode \"orders\" is not available yet");
}
