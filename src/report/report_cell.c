/* report_cell — the workbook's cells: cached formats, sheets with a frozen header row, and
 * the writers. Text is always written as a string cell, cleaned and cut to Excel's limit;
 * money becomes a spreadsheet number only in money_cell_value. Never touches the ledger. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lxw_color_t fill_rgb[RF_COUNT] = { 0, 0xFFC7CE, 0xFFEB9C, 0xDDEBF7, 0xF2F2F2 };

int report_exp(const char *currency)
{
    int exp = money_exponent(currency ? currency : "");
    if (currency && strcmp(currency, EXCEPTION_UNITS) == 0)
        return 0;   /* counts of units: whole numbers */
    return exp < 0 ? 2 : exp;
}

const char *report_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int report_severity_fill(const char *severity)
{
    return strcmp(severity, "error") == 0 ? RF_ERROR
         : strcmp(severity, "warning") == 0 ? RF_WARNING : RF_INFO;
}

/* "#,##0.00;[Red]-#,##0.00" for exp 2: grouping, exactly exp decimals, negatives in red. */
static void money_num_format(char *out, size_t cap, int exp)
{
    char pos[24] = "#,##0";
    size_t n = strlen(pos);
    if (exp > 0 && exp < 10) {
        pos[n++] = '.';
        for (int i = 0; i < exp; i++)
            pos[n++] = '0';
        pos[n] = '\0';
    }
    snprintf(out, cap, "%s;[Red]-%s", pos, pos);
}

lxw_format *report_fmt(struct report_ctx *r, int style, int fill, int exp)
{
    int key = style * 1000 + fill * 10 + (style == RS_MONEY ? exp : 0);
    char num[64];
    lxw_format *f;
    for (size_t i = 0; i < r->n_fmts; i++)
        if (r->fmts[i].key == key)
            return r->fmts[i].f;
    if (r->n_fmts == REPORT_FMTS_MAX)
        return NULL; /* cannot happen: styles x fills x exponents < REPORT_FMTS_MAX */
    f = workbook_add_format(r->wb);
    if (!f)
        return NULL;
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    if (style == RS_TEXT || style == RS_WRAP || style == RS_HEADER || style == RS_DATE ||
        style == RS_DATETIME || style == RS_TIME) {
        /* a little space after a right-aligned number in the column before */
        format_set_align(f, LXW_ALIGN_LEFT);
        format_set_indent(f, 1);
    }
    if (fill != RF_NONE) {
        format_set_bg_color(f, fill_rgb[fill]);
        format_set_pattern(f, LXW_PATTERN_SOLID);
    }
    if (fill == RF_TOTAL) {
        format_set_bold(f);
        format_set_top(f, LXW_BORDER_THIN);
    }
    switch (style) {
    case RS_WRAP:
        format_set_text_wrap(f);
        break;
    case RS_MONEY:
        money_num_format(num, sizeof num, exp);
        format_set_num_format(f, num);
        break;
    case RS_INT:
        format_set_num_format(f, "#,##0");
        break;
    case RS_PCT:
        format_set_num_format(f, "0.00%");
        break;
    case RS_DATE:
        format_set_num_format(f, "yyyy-mm-dd");
        break;
    case RS_DATETIME:
        format_set_num_format(f, "yyyy-mm-dd hh:mm");
        break;
    case RS_TIME:
        format_set_num_format(f, "hh:mm:ss");
        break;
    case RS_HEADER_NUM:
        format_set_align(f, LXW_ALIGN_RIGHT);
        /* fall through */
    case RS_HEADER:
        format_set_bold(f);
        format_set_text_wrap(f);
        format_set_bg_color(f, 0xD9E1F2);
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bottom(f, LXW_BORDER_THIN);
        break;
    default:
        break;
    }
    r->fmts[r->n_fmts].key = key;
    r->fmts[r->n_fmts++].f = f;
    return f;
}

/* Lines text needs in a column width characters wide (a width counts the digit '0'; text
 * averages narrower, bold a little wider): a greedy word wrap over characters (UTF-8 lead
 * bytes), less the cell's indent. */
static int text_lines(const char *t, double width, int bold)
{
    int cpl = (int)(width * (bold ? 1.05 : 1.1)) - 2, lines = 1, col = 0, word = 0;
    if (cpl < 4)
        cpl = 4;
    for (const unsigned char *p = (const unsigned char *)t;; p++) {
        if (*p && (*p & 0xC0) == 0x80)
            continue;
        if (*p == ' ' || *p == '\n' || *p == '\0') {
            if (col + (col ? 1 : 0) + word > cpl && col > 0) {
                lines++;
                col = word;
            } else {
                col += (col ? 1 : 0) + word;
            }
            while (col > cpl) {
                lines++;
                col -= cpl;
            }
            word = 0;
            if (*p == '\n') {
                lines++;
                col = 0;
            }
            if (!*p || lines > REPORT_ROW_LINES_MAX)
                break;
        } else {
            word++;
        }
    }
    return lines > REPORT_ROW_LINES_MAX ? REPORT_ROW_LINES_MAX : lines;
}

/* Gives row the height of lines lines (15 points each, the default row height). */
static void row_height(struct report_sheet *s, lxw_row_t row, int lines)
{
    if (lines > 1)
        worksheet_set_row(s->ws, row, 15.0 * lines, NULL);
}

int report_sheet_begin(struct report_ctx *r, struct report_sheet *s, const char *name,
                       const struct report_col *cols, size_t n, struct err *e)
{
    char header[128];
    lxw_format *h = report_fmt(r, RS_HEADER, RF_NONE, 0);
    lxw_format *hn = report_fmt(r, RS_HEADER_NUM, RF_NONE, 0);
    int lines = 2; /* headers get a two-line band, so a long name wraps instead of hiding */
    memset(s, 0, sizeof *s);
    s->r = r;
    s->ws = workbook_add_worksheet(r->wb, name);
    if (!s->ws || !h || !hn)
        return err_set(e, ERR_NOMEM, "workbook: cannot add sheet %s", name);
    if (n > REPORT_COLS_MAX)
        return err_set(e, ERR_INTERNAL, "workbook: sheet %s has %zu columns", name, n);
    s->ncols = (lxw_col_t)n;
    for (size_t i = 0; i < n; i++) {
        int l = text_lines(cols[i].name, cols[i].width, 1);
        s->widths[i] = cols[i].width;
        lines = l > lines ? l : lines;
        worksheet_set_column(s->ws, (lxw_col_t)i, (lxw_col_t)i, cols[i].width, NULL);
        worksheet_write_string(s->ws, 0, (lxw_col_t)i, cols[i].name, cols[i].num ? hn : h);
    }
    row_height(s, 0, lines);
    worksheet_freeze_panes(s->ws, 1, 0);
    worksheet_set_landscape(s->ws);
    worksheet_fit_to_pages(s->ws, 1, 0);
    worksheet_repeat_rows(s->ws, 0, 0);
    snprintf(header, sizeof header, "&Lsettlebook reconciliation %s&R&A",
             r->period[0] ? r->period : "(all periods)");
    worksheet_set_header(s->ws, header);
    worksheet_set_footer(s->ws, "&CPage &P of &N");
    s->row = 1;
    s->last_table_row = (lxw_row_t)-1;
    return 0;
}

/* In constant-memory mode libxlsxwriter accepts an autofilter only while its last row is the
 * row still being written, so the filter is set the moment the table ends. */
void report_sheet_table_end(struct report_sheet *s)
{
    if (s->last_table_row != (lxw_row_t)-1)
        return;
    s->last_table_row = s->row > 1 ? s->row - 1 : 0;
    s->filter_error = worksheet_autofilter(s->ws, 0, 0, s->last_table_row, s->ncols - 1);
}

int report_sheet_end(struct report_sheet *s, struct err *e)
{
    report_sheet_table_end(s);
    if (s->filter_error != LXW_NO_ERROR)
        return err_set(e, ERR_INTERNAL, "workbook: cannot set the autofilter: %s",
                       lxw_strerror(s->filter_error));
    return 0;
}

void report_next_row(struct report_sheet *s)
{
    row_height(s, s->row, s->lines);
    s->row++;
    s->fill = RF_NONE;
    s->lines = 0;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), or 0 when it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned cp;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, cp = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, cp = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, cp = p[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

static int plain(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++, n++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p >= 0x7F || *p == '_')
            return 0;
    return n <= REPORT_CELL_CHARS_MAX;
}

/* Appends s to b (capacity checked by the caller's sizing). */
static size_t put(char *b, size_t n, const char *s, size_t len)
{
    memcpy(b + n, s, len);
    return n + len;
}

/* A copy of t that Excel shows exactly as typed: valid UTF-8 (bad bytes become U+FFFD),
 * no control characters but tab and newline (CR LF becomes LF), a literal "_xHHHH_" kept
 * literal (Excel would read it as an escaped character: its '_' is written as _x005F_),
 * and at most REPORT_CELL_CHARS_MAX UTF-16 units, ending in "…[truncated]" when cut. */
static char *clean(const char *t)
{
    static const char marker[] = "\xE2\x80\xA6[truncated]";   /* 12 UTF-16 units */
    static const char repl[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)t;
    size_t n = strlen(t), units = 0, o = 0;
    size_t limit = REPORT_CELL_CHARS_MAX - 12;
    /* every input byte yields at most 7 output bytes ("_x005F_" for '_', U+FFFD for a byte) */
    size_t cap = (n < limit * 4 ? n : limit * 4) * 7 + sizeof marker + 1;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i), w = 1;
        if (len == 4)
            w = 2;
        if (units + w + (p[i] == '_' ? 6 : 0) > limit) {
            o = put(b, o, marker, sizeof marker - 1);
            break;
        }
        if (len == 0) {
            o = put(b, o, repl, 3);
            i++;
        } else if (p[i] == '\r') {
            if (i + 1 >= n || p[i + 1] != '\n')
                b[o++] = '\n';
            i++;
        } else if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') {
            o = put(b, o, repl, 3);
            i++;
        } else if (p[i] == '_' && i + 6 < n && p[i + 1] == 'x' && p[i + 6] == '_' &&
                   strspn((const char *)p + i + 2, "0123456789abcdefABCDEF") >= 4) {
            o = put(b, o, "_x005F_", 7);
            units += 6;
            i++;
        } else {
            o = put(b, o, (const char *)p + i, len);
            i += len;
        }
        units += w;
    }
    b[o] = '\0';
    return b;
}

static void write_text(struct report_sheet *s, lxw_col_t c, const char *text, int style)
{
    lxw_format *f = report_fmt(s->r, style, s->fill, 0);
    char *copy;
    if (!text || !text[0]) {
        report_blank(s, c);
        return;
    }
    if (plain(text)) {
        worksheet_write_string(s->ws, s->row, c, text, f);
        return;
    }
    copy = clean(text);
    worksheet_write_string(s->ws, s->row, c, copy ? copy : "\xEF\xBF\xBD", f);
    free(copy);
}

void report_text(struct report_sheet *s, lxw_col_t c, const char *text)
{
    write_text(s, c, text, RS_TEXT);
}

void report_wrap(struct report_sheet *s, lxw_col_t c, const char *text)
{
    int lines;
    write_text(s, c, text, RS_WRAP);
    if (!text || c >= s->ncols)
        return;
    lines = text_lines(text, s->widths[c], s->fill == RF_TOTAL);
    if (lines > s->lines)
        s->lines = lines;
}

void report_blank(struct report_sheet *s, lxw_col_t c)
{
    if (s->fill != RF_NONE)
        worksheet_write_blank(s->ws, s->row, c, report_fmt(s->r, RS_TEXT, s->fill, 0));
}

/* The one place a money amount becomes floating point. A numeric spreadsheet cell is an
 * IEEE double and libxlsxwriter's worksheet_write_number takes one, so this conversion
 * cannot be avoided; it happens here, last, and nothing computed from it flows back. For
 * |v| < 2^53 the integer converts exactly and the single division is correctly rounded, so
 * the cell holds the double nearest the exact decimal: shown at exp decimals (the cell's
 * number format) it is exactly the ledger's amount. Totals are summed in int64 before this. */
static double money_cell_value(money_t v, int exp)
{
    double scale = 1.0;
    for (int i = 0; i < exp; i++)
        scale *= 10.0;
    return (double)v / scale;
}

void report_money(struct report_sheet *s, lxw_col_t c, money_t v, int exp)
{
    worksheet_write_number(s->ws, s->row, c, money_cell_value(v, exp),
                           report_fmt(s->r, RS_MONEY, s->fill, exp));
}

void report_int(struct report_sheet *s, lxw_col_t c, int64_t v)
{
    /* counts, not money: exact as doubles far beyond any ledger's size */
    worksheet_write_number(s->ws, s->row, c, (double)v, report_fmt(s->r, RS_INT, s->fill, 0));
}

/* A ratio (an effective fee rate), not an amount: the quotient of two int64 sums. */
void report_pct(struct report_sheet *s, lxw_col_t c, int64_t num, int64_t den)
{
    if (den == 0) {
        report_blank(s, c);
        return;
    }
    worksheet_write_number(s->ws, s->row, c, (double)num / (double)den,
                           report_fmt(s->r, RS_PCT, s->fill, 0));
}

static int digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

void report_date(struct report_sheet *s, lxw_col_t c, const char *iso, int with_time)
{
    lxw_datetime dt;
    int sec = 0;
    memset(&dt, 0, sizeof dt);
    if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-' ||
        digits(iso, 4, &dt.year) < 0 || digits(iso + 5, 2, &dt.month) < 0 ||
        digits(iso + 8, 2, &dt.day) < 0 || dt.year < 1900 || dt.month < 1 || dt.month > 12 ||
        dt.day < 1 || dt.day > 31) {
        report_text(s, c, iso);
        return;
    }
    if (with_time && strlen(iso) >= 19 && iso[10] == 'T' && digits(iso + 11, 2, &dt.hour) == 0
        && digits(iso + 14, 2, &dt.min) == 0 && digits(iso + 17, 2, &sec) == 0)
        dt.sec = sec;
    worksheet_write_datetime(s->ws, s->row, c, &dt,
                             report_fmt(s->r, with_time ? RS_DATETIME : RS_DATE, s->fill, 0));
}

void report_time(struct report_sheet *s, lxw_col_t c, const char *iso)
{
    lxw_datetime dt;
    int sec = 0;
    memset(&dt, 0, sizeof dt);
    /* a time of day alone: Excel's day 0 (year 0 in libxlsxwriter), formatted hh:mm:ss */
    if (!iso || strlen(iso) < 19 || iso[10] != 'T' || digits(iso + 11, 2, &dt.hour) < 0 ||
        digits(iso + 14, 2, &dt.min) < 0 || digits(iso + 17, 2, &sec) < 0) {
        report_blank(s, c);
        return;
    }
    dt.sec = sec;
    worksheet_write_datetime(s->ws, s->row, c, &dt, report_fmt(s->r, RS_TIME, s->fill, 0));
}
