/* reconcile_fees — FEE_ANOMALY (warning): an order item's fee far from the SKU's usual level
 * for that fee; FEE_CHANGED (info): a fee whose level changed for every later line, reported
 * once instead of as one anomaly per line. The samples (reconcile_fees_collect.c) of a SKU,
 * fee type and currency are put in time order and cut into levels at step changes; a level
 * of FEESTAT_HISTORY_MIN samples or more judges its lines in scope with its median and MAD
 * (reconcile_feestat.c): beyond max(k x MAD-scaled, reconcile.fee_anomaly_pct % of the
 * median) and more than a rounding cent on the line. Integers only; reads only. */
#include "reconcile_fees.h"
#include "reconcile_feestat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fee_hit {
    const struct fee_group *g;
    struct fee_sample s;         /* the line judged, or the first at the new level */
    struct feestat level, old;   /* FEE_CHANGED: old is the level before */
    size_t n, nold;              /* samples of each */
    int changed;
    int64_t expected;            /* FEE_ANOMALY: the line's fee at the level */
    const char *order_id;        /* of s, read back from the ledger */
    const struct fee_type *t;    /* g's */
};

struct judge {
    struct fees f;
    struct fee_pages p;
    sqlite3_stmt *put;           /* INSERT INTO temp.fee_hit */
    size_t nhit;
};

/* The hits wait in temp.fee_hit, not in memory: a noisy history can give one per line. */
static const char HIT_PUT[] =
    "INSERT INTO temp.fee_hit (grp, sku, at, ad, sett, line, seq, value, fee, basis, qty, day,"
    " changed, lmed, lmad, omed, omad, n, nold, expected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
/* Emission order: settlement (start, id), order, SKU, fee type, the line, kind. */
static const char HIT_ALL[] =
    "SELECT h.grp, l.order_id, h.seq, h.value, h.fee, h.basis, h.qty, h.day, h.changed,"
    " h.lmed, h.lmad, h.omed, h.omad, h.n, h.nold, h.expected FROM temp.fee_hit h"
    " JOIN settlement_line l ON l.id = h.line"
    " ORDER BY h.sett, l.order_id, h.sku, h.at, h.ad, h.seq, h.changed DESC";

static int hit_add(struct judge *j, const struct fee_hit *h, struct err *e)
{
    sqlite3_stmt *st = j->put;
    const struct fee_type *t = h->t;
    const int64_t v[] = { h->s.sett, h->s.line, (int64_t)h->s.seq, h->s.value, h->s.fee,
                          h->s.basis, h->s.qty, h->s.day, h->changed, h->level.median,
                          h->level.mad, h->old.median, h->old.mad, (int64_t)h->n,
                          (int64_t)h->nold, h->expected };
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, h->g - j->f.grp);
    sqlite3_bind_text(st, 2, h->g->sku, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->ad, -1, SQLITE_STATIC);
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
        sqlite3_bind_int64(st, i + 5, v[i]);
    if (sqlite3_step(st) != SQLITE_DONE)
        return ledger_fail(j->f.c->lg, e, "reconcile fees: a hit");
    j->nhit++;
    return 0;
}

/* The line's fee at the level's median, in minor units; -1 when it does not fit. */
static int expected_fee(const struct fees *f, const struct fee_group *g,
                        const struct fee_sample *s, int64_t median, int64_t *out)
{
    return feestat_muldiv(median, s->basis,
                          f->type[g->type].rate ? FEE_RATE_SCALE : FEE_UNIT_SCALE, out);
}

/* Appends the FEE_CHANGED and FEE_ANOMALY hits of one level [a, b) of group g. */
static int judge_level(struct judge *j, const struct fee_group *g, size_t a, size_t b,
                       const struct fee_hit *before, struct fee_hit *out, struct err *e)
{
    struct fee_hit h = { .g = g, .n = b - a, .t = &j->f.type[g->type] };
    if (fee_pages_stat(&j->p, a, b, &h.level) < 0)
        return -1;
    h.s = *fee_pages_at(&j->p, a);
    if (before && j->f.sett[h.s.sett].in_scope) {
        h.changed = 1;
        h.old = before->level;
        h.nold = before->n;
        if (hit_add(j, &h, e) < 0)
            return -1;
    }
    h.changed = 0;
    for (size_t i = a; b - a >= FEESTAT_HISTORY_MIN && i < b; i++) {
        const struct fee_sample *s = fee_pages_at(&j->p, i);
        int64_t want, d;
        /* beyond the level, and more than a rounding cent on the line */
        if (!j->f.sett[s->sett].in_scope ||
            !feestat_beyond(s->value, &h.level, j->f.c->cfg->fee_anomaly_pct) ||
            expected_fee(&j->f, g, s, h.level.median, &want) < 0 ||
            __builtin_sub_overflow(s->fee, want, &d) || (d >= -1 && d <= 1))
            continue;
        h.expected = want;
        h.s = *s;
        if (hit_add(j, &h, e) < 0)
            return -1;
    }
    *out = h;   /* may be *before: only now */
    return j->p.failed ? -1 : 0;
}

static int64_t page_value(void *arg, size_t i)
{
    return fee_pages_at(arg, i)->value;
}

static int32_t page_day(void *arg, size_t i)
{
    return fee_pages_at(arg, i)->day;
}

/* The group's samples, in time order, cut into levels and judged. */
static int judge_group(struct judge *j, const struct fee_group *g, struct err *e)
{
    struct feestat_seq q = { page_value, page_day, &j->p };
    size_t *starts = NULL, nseg = 0, n = (size_t)g->n;
    int rc = -1;
    struct fee_hit prev;
    if (feestat_segments_seq(&q, n, j->f.c->cfg->fee_anomaly_pct, &starts, &nseg) < 0) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (j->p.failed)
        goto done;
    for (size_t k = 0; k < nseg; k++) {
        size_t b = k + 1 < nseg ? starts[k + 1] : n;
        if (judge_level(j, g, starts[k], b, k ? &prev : NULL, &prev, e) < 0)
            goto done;
    }
    rc = 0;
done:
    free(starts);
    return rc;
}

/* A per-unit amount in FEE_UNIT_SCALE: the currency's decimals, more only when not whole. */
static char *unit_amount(char buf[RECONCILE_AMOUNT_MAX], int64_t v, const char *cur)
{
    char num[MONEY_FMT_MAX];
    int exp = money_exponent(cur);
    exp = exp < 0 ? 2 : exp;
    money_format(num, v, exp + 4);
    char *dot = strchr(num, '.'), *end = num + strlen(num);
    while (end > dot + 1 + exp && end[-1] == '0')
        *--end = '\0';
    if (end == dot + 1)
        *dot = '\0';
    snprintf(buf, RECONCILE_AMOUNT_MAX, "%s %s", num, cur);
    return buf;
}

/* "15.25%" from a rate in FEE_RATE_SCALE (its size: fees are negative). */
static char *rate_pct(char buf[32], int64_t rate)
{
    int64_t bp = 0;
    feestat_muldiv(rate < 0 ? -rate : rate, 1, FEE_RATE_SCALE / 10000, &bp);
    snprintf(buf, 32, "%lld.%02lld%%", (long long)(bp / 100), (long long)(bp % 100));
    return buf;
}

#define ACTION_SIZE "Check the SKU's size tier and weight in Seller Central (Fee Preview; " \
    "Manage FBA Inventory shows the dimensions Amazon measured); if they are wrong, open a " \
    "case asking for a re-measurement and a reimbursement of the difference."
#define ACTION_RATE "Check the SKU's referral fee category in Seller Central (Fee Preview); " \
    "if it is wrong, open a case to have it corrected and the overcharge refunded."

static int emit_anomaly(struct judge *j, const struct fee_hit *h, struct err *e)
{
    const struct fee_sample *s = &h->s;
    const struct fee_type *t = &j->f.type[h->g->type];
    const char *cur = j->f.sett[s->sett].currency;
    char fee[RECONCILE_AMOUNT_MAX], unit[RECONCILE_AMOUNT_MAX], usual[RECONCILE_AMOUNT_MAX];
    char diff[RECONCILE_AMOUNT_MAX], extra[160] = "", r1[32], r2[32], expl[768];
    int64_t au = 0, eu = h->level.median;
    feestat_muldiv(s->fee, FEE_UNIT_SCALE, s->qty, &au);
    if (t->rate) {
        char price[RECONCILE_AMOUNT_MAX];
        feestat_muldiv(h->level.median, s->basis, s->qty * (FEE_RATE_SCALE / FEE_UNIT_SCALE),
                       &eu);
        snprintf(extra, sizeof extra, " (%s of the sales price %s); the SKU's usual rate is %s,",
                 rate_pct(r1, s->value), reconcile_amount(price, s->basis, cur),
                 rate_pct(r2, h->level.median));
    } else {
        snprintf(extra, sizeof extra, "; the SKU's usual fee is");
    }
    snprintf(expl, sizeof expl, "%s/%s of order %s SKU %s is %s for %lld unit%s, %s per unit%s "
             "%s per unit%s (median of %zu lines), a difference of %s per unit.", t->at, t->ad,
             h->order_id, h->g->sku, reconcile_amount(fee, s->fee, cur), (long long)s->qty,
             s->qty == 1 ? "" : "s", unit_amount(unit, au, cur), extra,
             unit_amount(usual, eu, cur), t->rate ? " at this price" : "", h->n,
             unit_amount(diff, au - eu, cur));
    struct exception_row r = {
        .kind = "FEE_ANOMALY", .severity = "warning", .settlement_id = j->f.sett[s->sett].id,
        .order_id = h->order_id, .sku = h->g->sku, .currency = cur,
        .has_expected = 1, .expected = h->expected,
        .has_actual = 1, .actual = s->fee, .explanation = expl,
        .action = t->rate ? ACTION_RATE : ACTION_SIZE,
    };
    return reconcile_emit(j->f.c, &r, e);
}

static int emit_changed(struct judge *j, const struct fee_hit *h, struct err *e)
{
    const struct fee_sample *s = &h->s;
    const struct fee_type *t = &j->f.type[h->g->type];
    const char *cur = j->f.sett[s->sett].currency;
    char from[RECONCILE_AMOUNT_MAX], to[RECONCILE_AMOUNT_MAX], expl[640];
    int64_t old = 0, now = 0;
    int d = s->day;
    if (t->rate) {
        rate_pct(from, h->old.median);
        rate_pct(to, h->level.median);
    } else {
        unit_amount(from, h->old.median, cur);
        unit_amount(to, h->level.median, cur);
    }
    snprintf(expl, sizeof expl, "%s/%s of SKU %s changed on %04d-%02d-%02d from %s to %s %s "
             "(medians of the %zu lines before and the %zu from then on): every line from then "
             "on is at the new level.", t->at, t->ad, h->g->sku, d / 10000, d / 100 % 100,
             d % 100, from, to, t->rate ? "of the sales price" : "per unit", h->nold, h->n);
    feestat_muldiv(h->old.median, 1, FEE_UNIT_SCALE, &old);
    feestat_muldiv(h->level.median, 1, FEE_UNIT_SCALE, &now);
    struct exception_row r = {
        .kind = "FEE_CHANGED", .severity = "info", .settlement_id = j->f.sett[s->sett].id,
        .order_id = h->order_id, .sku = h->g->sku, .currency = cur,
        .has_expected = !t->rate, .expected = old, .has_actual = !t->rate, .actual = now,
        .explanation = expl,
        .action = "If Amazon announced it (its yearly fee change, a peak-season surcharge, a "
                  "new referral category) there is nothing to do; otherwise check the SKU's "
                  "size tier, weight and category in Seller Central (Fee Preview) and open a "
                  "case to dispute it.",
    };
    return reconcile_emit(j->f.c, &r, e);
}

/* The hit of a row of HIT_ALL. */
static struct fee_hit hit_of(struct judge *j, sqlite3_stmt *st)
{
    int64_t c[16];
    for (int i = 0; i < 16; i++)
        c[i] = sqlite3_column_int64(st, i);
    const struct fee_group *g = &j->f.grp[c[0]];
    uint64_t seq = (uint64_t)c[2];
    return (struct fee_hit){ .g = g, .t = &j->f.type[g->type],
        .order_id = reconcile_str(st, 1),
        .s = { .value = c[3], .fee = c[4], .basis = c[5], .qty = (int32_t)c[6],
               .day = (int32_t)c[7], .seq = seq, .sett = (uint32_t)(seq >> FEE_SEQ_BITS),
               .line = (int64_t)(seq & (((uint64_t)1 << FEE_SEQ_BITS) - 1)) },
        .changed = (int)c[8], .level = { c[9], c[10] }, .old = { c[11], c[12] },
        .n = (size_t)c[13], .nold = (size_t)c[14], .expected = c[15] };
}

/* Every hit, in emission order. */
static int emit_all(struct judge *j, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(j->f.c->lg, &st, HIT_ALL, e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct fee_hit h = hit_of(j, st);
        rc = h.changed ? emit_changed(j, &h, e) : emit_anomaly(j, &h, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(j->f.c->lg, e, "reconcile fees: hits");
    sqlite3_finalize(st);
    return rc;
}

int reconcile_fees(struct reconcile_ctx *c, struct err *e)
{
    struct judge j = { .f = { .c = c } };
    int rc = -1;
    if (c->fees) {   /* collected during UNMAPPED's read of the lines: taken over */
        j.f = *c->fees;
        free(c->fees);
        c->fees = NULL;
    } else if (fees_collect(&j.f, NULL, NULL, e) < 0)
        goto done;
    if (fee_pages_open(&j.p, &j.f, e) < 0 ||
        ledger_prepare(c->lg, &j.put, HIT_PUT, e) < 0)
        goto done;
    size_t judged = 0, samples = 0, groups = 0;
    for (size_t i = 0; i < j.f.ngrp; i++) {
        const struct fee_group *g = &j.f.grp[i];
        samples += (size_t)g->n;
        groups += g->n > 0;   /* none: a pass taken back (reconcile_fees_collect.c) */
        if (fee_pages_next(&j.p, g, e) < 0)
            goto done;
        if (g->n < FEESTAT_HISTORY_MIN)
            continue;
        judged++;
        if (judge_group(&j, g, e) < 0)
            goto done;
    }
    log_verbose("reconcile: fees: %zu samples of %zu SKU fee types, %zu with enough history; "
                "%zu exceptions", samples, groups, judged, j.nhit);
    /* what memory depends on: both stay put as the history grows (tests/e2e/fee_stream.sh) */
    log_verbose("reconcile: fees: held at most %zu samples (pages of %zu) and %zu fee lines",
                j.p.held, j.p.size, j.f.held);
    fee_pages_close(&j.p);   /* its reads end before the tables go */
    if (emit_all(&j, e) < 0)
        goto done;
    rc = 0;
done:
    fee_pages_close(&j.p);
    sqlite3_finalize(j.put);
    fees_free(&j.f);
    if (rc == 0)   /* the temp tables go with the connection otherwise */
        rc = ledger_exec(c->lg, "DROP TABLE temp.fee_sample; DROP TABLE temp.fee_ord; "
                         "DROP TABLE temp.fee_hit", e);
    return rc;
}
