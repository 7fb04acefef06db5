/* report_int — what the workbook's sheet writers share: the context, cached cell formats,
 * a sheet with a header row, and the cell writers (text always as a string, money through
 * the one conversion to a spreadsheet number, dates as real dates). */
#ifndef SETTLEBOOK_REPORT_INT_H
#define SETTLEBOOK_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <xlsxwriter.h>

#include "config.h"
#include "base.h"
#include "ledger.h"
#include "report.h"

#define REPORT_FMTS_MAX 160        /* distinct cell formats in one workbook */
#define REPORT_CELL_CHARS_MAX 32767 /* Excel's limit on the characters of one cell */
#define REPORT_DOCS_LISTED_MAX 12  /* document numbers spelt out in one Summary cell */
#define REPORT_COLS_MAX 640        /* columns of one sheet (Settlements: one per month) */
#define REPORT_ROW_LINES_MAX 27    /* text lines of one row: Excel's 409-point row limit */
#define REPORT_COMBOS_MAX 5000000  /* distinct line groups (type, amounts, marketplace, SKU) */

/* Cell styles; each combines with a fill and (for money) the currency's exponent. */
enum report_style {
    RS_TEXT, RS_WRAP, RS_MONEY, RS_INT, RS_PCT, RS_DATE, RS_DATETIME, RS_TIME, RS_HEADER,
    RS_HEADER_NUM, RS_COUNT
};
enum report_fill { RF_NONE, RF_ERROR, RF_WARNING, RF_INFO, RF_TOTAL, RF_COUNT };

/* One distinct (transaction type, amount type, description, marketplace, currency, SKU)
 * of the settlement lines in scope, with the rule that maps it: what Fees and Mapping read. */
struct report_combo {
    char *tt, *at, *ad, *mk, *cur, *sku;     /* owned */
    int64_t lines;
    money_t sum;
    const struct mapping_rule *rule;          /* NULL when unmapped */
    int fee;                                  /* the rule books it to a fee account */
    int principal;                            /* ItemPrice / Principal */
    uint64_t hash;                            /* of the six fields, while grouping */
};

#define REPORT_COMBO_FIELDS 6

/* The combinations being grouped (report_combos_add), until report_combos_finish. */
struct report_combo_table {
    size_t *slot;                             /* combo index + 1; 0 = empty */
    size_t cap;                               /* a power of two */
    size_t combos_cap;                        /* allocated report_ctx.combos */
};

/* The matched (or, without order history, all) settled orders of one currency: the Orders
 * sheet's one row per currency, as report_pass gathers them. */
struct report_order_cur {
    char cur[8];
    int64_t n;
    money_t settled, ordered;
};

/* What the one pass over the settlement lines found for the Orders and Inventory sheets. A
 * sheet whose *_fast is 0 runs its own query instead (the pass met lines it cannot prove it
 * groups as SQL would: see report_pass.c). */
struct report_pass {
    int exact;                /* every value had the type the pass expects */
    int orders_fast;          /* cur[] and temp.report_order_diff hold the Orders sheet */
    int history;              /* any order history ingested (EXISTS orders) */
    struct report_order_cur *cur;             /* owned, sorted by cur (byte order) */
    size_t n_cur;
    int inventory_fast;       /* temp.report_settled and temp.report_paid hold the Inventory
                                 query's settled and paid CTEs */
};

struct report_ctx {
    struct ledger *lg;
    const struct config *cfg;
    const char *period;                       /* "YYYY-MM" or "" for all */
    lxw_workbook *wb;
    struct { int key; lxw_format *f; } fmts[REPORT_FMTS_MAX];
    size_t n_fmts;
    struct mapping map;
    struct report_combo *combos;              /* owned, sorted by tt, at, ad, mk, cur, sku */
    size_t n_combos;
    struct report_pass pass;
    struct ledger_integrity *integrity;       /* started with the workbook, read by Audit */
    struct report_prefetch *prefetch;         /* the pass begun aside, or NULL */
};

/* A column of a sheet: its header, width in characters, and whether it holds numbers (its
 * header is then right-aligned over them). */
struct report_col {
    const char *name;
    double width;
    int num;
};

/* A worksheet being written, one row after another (constant-memory mode). */
struct report_sheet {
    struct report_ctx *r;
    lxw_worksheet *ws;
    lxw_row_t row;                            /* the next row to write */
    lxw_row_t last_table_row;                 /* last row inside the autofilter */
    lxw_col_t ncols;
    int fill;                                 /* fill of the row being written */
    int lines;                                /* text lines the row needs (wrapped cells) */
    lxw_error filter_error;
    double widths[REPORT_COLS_MAX];
};

/* The cached format for a style, fill and money exponent (exp only matters for RS_MONEY). */
lxw_format *report_fmt(struct report_ctx *r, int style, int fill, int exp);

/* Adds a worksheet named name with a frozen, bold header row of the n columns (at most
 * REPORT_COLS_MAX), their widths, landscape printing fitted to the page width, and the header
 * row repeated on each printed page. Rows then follow from row 1. */
int report_sheet_begin(struct report_ctx *r, struct report_sheet *s, const char *name,
                       const struct report_col *cols, size_t n, struct err *e);

/* Marks the end of the filterable table (rows 0..row-1); rows written afterwards (totals)
 * stay outside the autofilter. Called by report_sheet_end when not called before. */
void report_sheet_table_end(struct report_sheet *s);
int report_sheet_end(struct report_sheet *s, struct err *e);

/* Cell writers for column c of the current row, in the row's fill. Text that came from
 * Amazon or the user goes through report_text: always a string cell (never a formula, so
 * "=HYPERLINK(...)" shows as typed), invalid UTF-8 and control characters replaced, and cut
 * at Excel's cell limit with a visible "…[truncated]" marker. NULL writes an empty cell. */
void report_text(struct report_sheet *s, lxw_col_t c, const char *text);
void report_wrap(struct report_sheet *s, lxw_col_t c, const char *text);
void report_money(struct report_sheet *s, lxw_col_t c, money_t v, int exp);
void report_int(struct report_sheet *s, lxw_col_t c, int64_t v);
void report_pct(struct report_sheet *s, lxw_col_t c, int64_t num, int64_t den);
/* "YYYY-MM-DD[THH:MM:SS...]" as a date cell (with_time: date and time); other text as text. */
void report_date(struct report_sheet *s, lxw_col_t c, const char *iso, int with_time);
/* The time of day of "YYYY-MM-DDTHH:MM:SS..." as a time cell (hh:mm:ss); blank without one. */
void report_time(struct report_sheet *s, lxw_col_t c, const char *iso);
void report_blank(struct report_sheet *s, lxw_col_t c);
/* Moves to the next row and resets the fill. A row with wrapped text gets the height of its
 * longest cell: spreadsheets do not all grow rows for wrapped text on their own. */
void report_next_row(struct report_sheet *s);

/* The exponent of a currency; 2 when the code is unknown (the row says which currency). */
int report_exp(const char *currency);

/* Column text of a statement, "" for NULL. */
const char *report_col_text(sqlite3_stmt *st, int i);

/* Fill of an exception severity ("error" ...). */
int report_severity_fill(const char *severity);

/* The one pass over the settlement lines (report_pass.c): the distinct line combinations in
 * scope (for Fees and Mapping) and what the Orders and Inventory sheets need; once, before
 * the sheets. report_pass_free releases it (with the combinations). */
int report_pass_load(struct report_ctx *r, struct err *e);
void report_pass_free(struct report_ctx *r);

/* Adds a line in scope (its six fields, NUL-terminated, with their lengths in bytes) to its
 * combination; report_combos_finish sorts and maps them and frees the table. */
int report_combos_add(struct report_ctx *r, struct report_combo_table *t,
                      const char *const v[REPORT_COMBO_FIELDS], const int n[REPORT_COMBO_FIELDS],
                      money_t amount, struct err *e);
void report_combos_finish(struct report_ctx *r, struct report_combo_table *t);
void report_combos_free(struct report_ctx *r);

/* The sheets, in workbook order. */
int report_summary(struct report_ctx *r, struct err *e);
int report_charts(struct report_ctx *r, struct err *e);
int report_exceptions(struct report_ctx *r, struct err *e);
int report_settlements(struct report_ctx *r, struct err *e);
int report_postings(struct report_ctx *r, struct err *e);
int report_orders(struct report_ctx *r, struct err *e);
int report_fees(struct report_ctx *r, struct err *e);
int report_inventory(struct report_ctx *r, struct err *e);
int report_mapping(struct report_ctx *r, struct err *e);
int report_audit(struct report_ctx *r, struct err *e);

#endif
