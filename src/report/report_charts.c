/* report_charts — the Charts sheet: per settlement, what it was made of (sales, promotions,
 * refunds, each fee category, everything else) and its deposit, from the journals. Drawn per
 * currency: a stacked column chart with each settlement's parts and, beside them, its
 * deposit (the stack nets to it), and the effective fee rate (fees / sales) per settlement
 * over time as a line chart. The table at the top holds every number drawn; a block under it
 * lays the same numbers out for the stacked chart. Reads settlement, journal and
 * journal_line only. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* The series: the journal line roles each one sums. Fees are charges, so negative. */
enum { S_SALES, S_PROMO, S_REFUND, S_FEE_SELL, S_FEE_FBA, S_FEE_STORE, S_FEE_ADS, S_FEE_SUB,
       S_FEE_OTHER, S_REIMB, S_RESERVE, S_OTHER, S_COUNT };
#define FEES_FIRST S_FEE_SELL
#define FEES_LAST S_FEE_OTHER

static const struct report_col cols[] = {
    { "Settlement ID", 21, 0 }, { "Currency", 9, 0 }, { "End", 12, 0 },
    { "Sales", 12, 1 }, { "Promotions", 12, 1 }, { "Refunds", 12, 1 },
    { "Selling fees", 12, 1 }, { "FBA fees", 12, 1 }, { "Storage fees", 12, 1 },
    { "Advertising fees", 12, 1 }, { "Subscription fees", 12, 1 }, { "Other fees", 12, 1 },
    { "Reimbursements", 15, 1 }, { "Reserves", 12, 1 }, { "Other (tax, ...)", 12, 1 },
    { "Deposit", 12, 1 },
    { "Fee rate (fees / sales)", 12, 1 },
};
enum { C_ID, C_CUR, C_END, C_FIRST_SERIES, C_DEPOSIT = C_FIRST_SERIES + S_COUNT, C_RATE };

/* Sums per settlement; the clearing and carried-forward lines only balance the journals. */
static const char ROWS[] =
    "SELECT s.settlement_id, s.currency, s.end_utc, s.total_minor, "
    "SUM(CASE WHEN l.role IN ('sales', 'shipping', 'gift_wrap') THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'promotions' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'refunds' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_selling' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_fba' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_storage' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_advertising' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_subscription' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'fees_other' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'reimbursements' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role = 'reserves' THEN l.amount_minor END), "
    "SUM(CASE WHEN l.role NOT IN ('sales', 'shipping', 'gift_wrap', 'promotions', 'refunds', "
    "  'fees_selling', 'fees_fba', 'fees_storage', 'fees_advertising', 'fees_subscription', "
    "  'fees_other', 'reimbursements', 'reserves', 'clearing', 'carried_forward') "
    "  THEN l.amount_minor END) "
    "FROM settlement s JOIN journal j ON j.settlement_ref = s.id "
    "JOIN journal_line l ON l.journal_id = j.id WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id ORDER BY s.currency, s.end_utc, s.settlement_id";

#define CHART_CURRENCIES_MAX 64 /* currencies in the sheet; a workbook with more shows the first */
#define CHARTS_ROWS_MAX 100000   /* settlements in one workbook's charts */
#define CHART_ROWS 20            /* height of one chart, in rows */

struct crow {
    char id[64], cur[8], end[32];
    money_t v[S_COUNT], deposit;
};

/* The rows of one currency (indexes into the loaded rows), and the series it uses. */
struct block {
    size_t from, to;             /* rows [from, to) */
    lxw_row_t first, last;       /* its rows in the table */
    lxw_row_t lay_first, lay_last; /* its rows in the layout block */
    int used[S_COUNT];
};

static int load(struct report_ctx *r, struct crow **out, size_t *n, struct err *e)
{
    sqlite3_stmt *st;
    struct crow *v = NULL;
    size_t cap = 0;
    int step;
    *out = NULL;
    *n = 0;
    if (ledger_prepare(r->lg, &st, ROWS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < CHARTS_ROWS_MAX) {
        if (*n == cap) {
            struct crow *g = realloc(v, (cap ? cap * 2 : 64) * sizeof *v);
            if (!g) {
                sqlite3_finalize(st);
                free(v);
                return err_set(e, ERR_NOMEM, "out of memory drawing the charts");
            }
            v = g;
            cap = cap ? cap * 2 : 64;
        }
        memset(&v[*n], 0, sizeof v[0]);
        snprintf(v[*n].id, sizeof v[0].id, "%s", report_col_text(st, 0));
        snprintf(v[*n].cur, sizeof v[0].cur, "%s", report_col_text(st, 1));
        snprintf(v[*n].end, sizeof v[0].end, "%s", report_col_text(st, 2));
        v[*n].deposit = sqlite3_column_int64(st, 3);
        for (int k = 0; k < S_COUNT; k++)
            v[*n].v[k] = sqlite3_column_int64(st, 4 + k); /* NULL (no such line) reads 0 */
        (*n)++;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        free(v);
        return ledger_fail(r->lg, e, "charts");
    }
    *out = v;
    return 0;
}

static void chart_titles(lxw_chart *c, const char *title, const char *x, const char *y)
{
    chart_title_set_name(c, title);
    chart_axis_set_name(c->x_axis, x);
    chart_axis_set_name(c->y_axis, y);
    chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
}

/* Stacked columns from the layout block: per settlement its parts, then its deposit. */
static lxw_chart_fill deposit_fill = { .color = 0x1F3864 };

static void column_chart(struct report_sheet *s, const struct block *b, const char *cur,
                         lxw_row_t at)
{
    lxw_chart *c = workbook_add_chart(s->r->wb, LXW_CHART_COLUMN_STACKED);
    lxw_chart_options where = { .x_scale = 2.2, .y_scale = 1.4 };
    char title[128], y[48];
    lxw_chart_series *v;
    snprintf(title, sizeof title, "%s per settlement: sales, refunds, fees by category, and "
             "the deposit", cur);
    snprintf(y, sizeof y, "%s (+ owed to you, - charged)", cur);
    for (int k = 0; k <= S_COUNT; k++) {
        lxw_col_t col = (lxw_col_t)(C_FIRST_SERIES + k); /* k == S_COUNT: the deposit */
        if (k < S_COUNT && !b->used[k])
            continue;
        v = chart_add_series(c, NULL, NULL);
        chart_series_set_categories(v, "Charts", b->lay_first, C_ID, b->lay_last, C_ID);
        chart_series_set_values(v, "Charts", b->lay_first, col, b->lay_last, col);
        chart_series_set_name_range(v, "Charts", 0, col);
        if (k == S_COUNT)
            chart_series_set_fill(v, &deposit_fill); /* dark: the one that is paid out */
    }
    chart_set_series_gap(c, 60);
    chart_axis_set_label_position(c->x_axis, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    chart_titles(c, title, "settlement", y);
    worksheet_insert_chart_opt(s->ws, at, C_ID, c, &where);
}

/* The effective fee rate per settlement, by settlement end date. */
static void rate_chart(struct report_sheet *s, const struct block *b, const char *cur,
                       lxw_row_t at)
{
    lxw_chart *c = workbook_add_chart(s->r->wb, LXW_CHART_LINE);
    lxw_chart_series *v = chart_add_series(c, NULL, NULL);
    lxw_chart_options where = { .x_scale = 2.2, .y_scale = 1.4 };
    char title[96];
    snprintf(title, sizeof title, "%s effective fee rate (fees / sales) over time", cur);
    /* the rows are in order of end date; ids label them (a date axis is not in every viewer) */
    chart_series_set_categories(v, "Charts", b->first, C_ID, b->last, C_ID);
    chart_series_set_values(v, "Charts", b->first, C_RATE, b->last, C_RATE);
    chart_series_set_name_range(v, "Charts", 0, C_RATE);
    chart_series_set_marker_type(v, LXW_CHART_MARKER_CIRCLE);
    chart_series_set_labels(v);
    chart_series_set_labels_num_format(v, "0.0%");
    chart_series_set_labels_position(v, LXW_CHART_LABEL_POSITION_ABOVE);
    chart_titles(c, title, "settlement, in order of end date (see the End column)",
                 "fees / sales");
    chart_axis_set_num_format(c->y_axis, "0%");
    chart_axis_set_label_position(c->x_axis, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    worksheet_insert_chart_opt(s->ws, at, C_ID, c, &where);
}

static void table_row(struct report_sheet *s, const struct crow *w, struct block *b)
{
    int exp = report_exp(w->cur);
    money_t fees = 0;
    report_text(s, C_ID, w->id);
    report_text(s, C_CUR, w->cur);
    report_date(s, C_END, w->end, 0);
    for (int k = 0; k < S_COUNT; k++) {
        report_money(s, (lxw_col_t)(C_FIRST_SERIES + k), w->v[k], exp);
        b->used[k] |= w->v[k] != 0;
        if (k >= FEES_FIRST && k <= FEES_LAST)
            fees -= w->v[k]; /* fees are charges: negative lines, a positive rate */
    }
    report_money(s, C_DEPOSIT, w->deposit, exp);
    report_pct(s, C_RATE, fees, w->v[S_SALES]);
    report_next_row(s);
}

/* Two rows per settlement: its parts (deposit blank), then its deposit (parts blank). */
static void layout_rows(struct report_sheet *s, const struct crow *w)
{
    char label[80];
    int exp = report_exp(w->cur);
    for (int part = 0; part < 2; part++) {
        snprintf(label, sizeof label, "%s%s", w->id, part ? " deposit" : "");
        report_text(s, C_ID, label);
        report_text(s, C_CUR, w->cur);
        report_date(s, C_END, w->end, 0);
        for (int k = 0; k < S_COUNT; k++) {
            if (part)
                report_blank(s, (lxw_col_t)(C_FIRST_SERIES + k));
            else
                report_money(s, (lxw_col_t)(C_FIRST_SERIES + k), w->v[k], exp);
        }
        if (part)
            report_money(s, C_DEPOSIT, w->deposit, exp);
        else
            report_blank(s, C_DEPOSIT);
        report_blank(s, C_RATE);
        report_next_row(s);
    }
}

/* Splits the rows (sorted by currency) into one block per currency. */
static size_t blocks_of(const struct crow *v, size_t n, struct block *b, size_t max)
{
    size_t nb = 0;
    for (size_t i = 0; i < n && nb < max; i++) {
        if (i == 0 || strcmp(v[i].cur, v[i - 1].cur) != 0) {
            memset(&b[nb], 0, sizeof b[nb]);
            b[nb].from = i;
            nb++;
        }
        b[nb - 1].to = i + 1;
    }
    return nb;
}

int report_charts(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    struct block b[CHART_CURRENCIES_MAX];
    struct crow *v = NULL;
    size_t n = 0, nb;
    lxw_row_t at, breaks[2 * CHART_CURRENCIES_MAX + 1];

    if (report_sheet_begin(r, &s, "Charts", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        load(r, &v, &n, e) < 0)
        return -1;
    nb = blocks_of(v, n, b, CHART_CURRENCIES_MAX);
    for (size_t i = 0; i < nb; i++) {
        b[i].first = s.row;
        for (size_t j = b[i].from; j < b[i].to; j++)
            table_row(&s, &v[j], &b[i]);
        b[i].last = s.row - 1;
    }
    report_sheet_table_end(&s);
    report_next_row(&s);
    if (nb == 0) {
        report_text(&s, C_ID, "No journals in scope: nothing to draw.");
        report_next_row(&s);
    } else {
        s.fill = RF_TOTAL;
        report_text(&s, C_ID, "Chart data: the table above laid out for the stacked charts, "
                              "each settlement's parts, then its deposit");
        report_next_row(&s);
    }
    for (size_t i = 0; i < nb; i++) {
        b[i].lay_first = s.row;
        for (size_t j = b[i].from; j < b[i].to; j++)
            layout_rows(&s, &v[j]);
        b[i].lay_last = s.row - 1;
    }
    /* the charts below, two per currency, each starting a printed page */
    at = s.row + 1;
    for (size_t i = 0; i < nb; i++) {
        column_chart(&s, &b[i], v[b[i].from].cur, at);
        rate_chart(&s, &b[i], v[b[i].from].cur, at + CHART_ROWS + 1);
        breaks[2 * i] = at;
        breaks[2 * i + 1] = at + CHART_ROWS + 1;
        at += 2 * (CHART_ROWS + 1);
    }
    breaks[2 * nb] = 0;
    if (nb)
        worksheet_set_h_pagebreaks(s.ws, breaks);
    free(v);
    return report_sheet_end(&s, e);
}
