/* spapi — the fetch stage: checks the options and credentials before any request, then
 * fetches settlement reports, then orders. Never writes accounting tables; every file it
 * keeps goes through ingest_file. */
#include "spapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "spapi_int.h"

/* "ATVPDKIKX0DER, A2EUQ1WTGCTBG2" -> "ATVPDKIKX0DER,A2EUQ1WTGCTBG2", each id checked. */
static int markets(struct spapi *sp, struct err *e)
{
    const char *s = sp->cfg->spapi.marketplace_ids;
    size_t o = 0;
    int n = 0;
    while (*s) {
        size_t len;
        while (*s == ' ' || *s == ',')
            s++;
        len = strcspn(s, " ,");
        if (!len)
            break;
        for (size_t i = 0; i < len; i++)
            if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')) || len > 32)
                return err_set(e, ERR_INPUT, "spapi.marketplace_ids: '%.*s' is not a "
                               "marketplace id (like ATVPDKIKX0DER)", (int)(len > 40 ? 40 : len),
                               s);
        if (o + len + 2 > sizeof sp->markets)
            return err_set(e, ERR_INPUT, "spapi.marketplace_ids: too many marketplaces");
        if (o)
            sp->markets[o++] = ',';
        memcpy(sp->markets + o, s, len);
        o += len;
        sp->markets[o] = '\0';
        s += len;
        n++;
    }
    if (!n)
        return err_set(e, ERR_INPUT, "spapi.marketplace_ids is empty: give the marketplaces to "
                       "fetch orders from, comma-separated (ATVPDKIKX0DER is amazon.com)");
    return 0;
}

int spapi_start(struct spapi *sp, const char *cursor, char out[DATES_ISO_MAX], struct err *e)
{
    if (sp->since >= 0) {
        dates_iso(out, sp->since, 1);
        return 0;
    }
    if (spapi_cursor_get(sp->lg, cursor, out, e) < 0)
        return -1;
    if (!out[0])
        dates_iso(out, sp->default_since, 1);
    return 0;
}

static int setup(struct spapi *sp, struct err *e)
{
    const struct spapi_opts *o = sp->o;
    sp->since = -1;
    if (o && o->since) {
        int has_time;
        struct err de = {0};
        if (dates_parse(o->since, &sp->since, &has_time, &de) < 0)
            return err_set(e, ERR_INPUT, "--since '%.40s': %s (write 2024-10-01 or "
                           "2024-10-01T00:00:00Z)", o->since, de.msg);
        if (sp->since > clock_now_s())
            return err_set(e, ERR_INPUT, "--since '%.40s' is in the future", o->since);
    }
    sp->default_since = (clock_now_s() / 86400 - SPAPI_DEFAULT_DAYS) * 86400;
    if (!sp->cfg->spapi.data_dir[0])
        return err_set(e, ERR_INPUT, "spapi.data_dir is empty: name the folder that keeps "
                       "fetched files");
    if (markets(sp, e) < 0 || spapi_url_ok(sp->cfg->spapi.endpoint, "spapi.endpoint", e) < 0 ||
        spapi_auth_init(sp, e) < 0)
        return -1;
    spapi_rate_init(sp);
    return 0;
}

int spapi_fetch(struct ledger *lg, const struct config *cfg, const struct spapi_opts *o,
                struct spapi_summary *out, struct err *e)
{
    struct spapi *sp = calloc(1, sizeof *sp);
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (!sp)
        return err_set(e, ERR_NOMEM, "out of memory");
    sp->cfg = cfg;
    sp->lg = lg;
    sp->o = o;
    sp->sum = out;
    if (setup(sp, e) < 0 ||
        (o && o->events ? spapi_events(sp, e) < 0
                        : spapi_reports(sp, e) < 0 || spapi_orders(sp, e) < 0 ||
                              spapi_inventory(sp, e) < 0))
        goto done;
    if (out->reports_refused) {
        err_set(e, ERR_INPUT, "%lld settlement report(s) were downloaded but refused by ingest "
                "(see above); everything else was fetched", (long long)out->reports_refused);
        goto done;
    }
    rc = 0;
done:
    spapi_auth_clear(sp);
    free(sp);
    return rc;
}

void spapi_summary_print(const struct spapi_summary *s)
{
    FILE *out = log_report_file();
    if (s->events_since[0]) {
        fprintf(out, "events (%s%s%s): %lld page(s), %lld new unsettled amount(s), posted "
                "from %s to %s\n", s->events_handover, s->events_handover[0] ? " to the end of "
                "its mark's day, then " : "", s->events_api, (long long)s->event_pages,
                (long long)s->event_lines, s->events_since, s->events_until);
        return;
    }
    fprintf(out, "fetch: %lld settlement report(s) listed: %lld fetched, %lld fetched before, "
            "%lld still being prepared%s\n", (long long)s->reports_listed,
            (long long)s->reports_fetched, (long long)s->reports_known,
            (long long)s->reports_pending, s->reports_refused ? ", some refused" : "");
    fprintf(out, "orders: %lld order(s) in %lld page(s), %lld item(s), updated after %s; "
            "high-water mark %s\n", (long long)s->orders, (long long)s->order_pages,
            (long long)s->order_items, s->orders_since[0] ? s->orders_since : "-",
            s->orders_hwm[0] ? s->orders_hwm : "none");
    if (s->inventory_fetched)
        fprintf(out, "inventory: %lld month(s) of the FBA Inventory Ledger fetched\n",
                (long long)s->inventory_fetched);
}
