/* cli_synth — `settlebook synth`: writes a deterministic, realistic settlement report (and
 * optionally the matching All Orders report and bank statement) for demos, sandboxes and
 * benchmarks. Files are written through a temporary file and a rename; it never touches the
 * ledger. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "base.h"
#include "synth.h"

static const char usage[] =
    "usage: settlebook synth [--rows N] [--seed S] [--format v2|v1] [--locale us|eu|uk]\n"
    "                        [-o|--output FILE] [--orders FILE] [--bank FILE]\n"
    "                        [--inventory FILE] [--costs FILE]\n"
    "Writes a realistic Amazon settlement report of N amount lines (default 1000) to FILE\n"
    "(default stdout): orders, refunds, promotions, service fees, reimbursements, reserves,\n"
    "over a 14-day period that crosses a month end. The lines sum exactly to total-amount.\n"
    "The same options always give the same bytes; another --seed (default 1) gives another\n"
    "seller, with its own period and settlement-id.\n"
    "  --format v2      flat file V2, 24 columns (default); v1 is the older 36-column layout\n"
    "  --locale us      USD, Amazon.com, dates as 2024-05-23 12:15:41 UTC (default)\n"
    "           eu      EUR, Amazon.de, dates as 25.03.2025 17:52:28 UTC, decimal commas\n"
    "                   (1.105,41)\n"
    "           uk      GBP, Amazon.co.uk, dates as 25.11.2025 12:38:00 UTC, decimal dots\n"
    "                   (the dates are those --seed 1 gives)\n"
    "  --orders FILE    also write the matching All Orders report (plus a few shipped orders\n"
    "                   that this settlement does not pay)\n"
    "  --bank FILE      also write a bank statement CSV (Xero's import layout, dd/mm/yyyy)\n"
    "                   with the settlement's deposit and a few unrelated lines\n"
    "  --inventory FILE also write the matching FBA Inventory Ledger (summary view, monthly)\n"
    "  --costs FILE     also write a unit-cost CSV (sku,unit_cost,currency,effective_from)\n"
    "examples (the files of fixtures/demo, byte for byte):\n"
    "  settlebook synth --rows 400 --seed 41 --locale us -o settlement-us-2025-09.tsv\n"
    "                   --orders orders-us.tsv --bank bank-us.csv\n"
    "      settlement 62616141773 USD, 21 Sep to 5 Oct 2025, 400 lines, total 1619.33\n"
    "  settlebook synth --rows 150 --seed 2 --locale eu -o settlement-de-2025-09.tsv\n"
    "                   --orders orders-de.tsv\n"
    "      settlement 90221426223 EUR, 25 Sep to 9 Oct 2025, 150 lines, total 225,13\n";

typedef int (*writer_fn)(const struct synth_plan *p, FILE *f, struct err *e);

static int write_special(const char *path, writer_fn fn, const struct synth_plan *p,
                         struct err *e)
{
    FILE *f = fopen(path, "wb");
    int rc;
    if (!f)
        return err_set(e, ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    rc = fn(p, f, e);
    if (fclose(f) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return rc < 0 ? err_prefix(e, "%s: ", path) : 0;
}

/* Writes through path.tmp, flushed to disk, then renamed into place (the streaming
 * counterpart of fileio_write_atomic); "-" or NULL means stdout. */
static int write_file(const char *path, writer_fn fn, const struct synth_plan *p,
                      struct err *e)
{
    char tmp[4096];
    FILE *f;
    struct stat st;
    static char buf[1 << 16];

    if (!path || strcmp(path, "-") == 0) {
        setvbuf(stdout, buf, _IOFBF, sizeof buf);
        return fn(p, stdout, e);
    }
    /* a device or pipe (/dev/null, /dev/stdout, a FIFO) is written as it is: renaming a
     * temporary file over it would replace the device with a plain file */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return write_special(path, fn, p, e);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return err_set(e, ERR_INPUT, "%s: path too long", path);
    f = fopen(tmp, "wb");
    if (!f)
        return err_set(e, ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    if (fn(p, f, e) < 0) {
        fclose(f);
        remove(tmp);
        return err_prefix(e, "%s: ", path);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
        remove(tmp);
        return err_set(e, ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return err_set(e, ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
    return 0;
}

/* Parses a whole decimal number into *out (no sign, no spaces). */
static int whole(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

struct args {
    struct synth_opts o;
    const char *out, *orders, *bank, *inventory, *costs;
};

static const struct cli_opt opts[] = {
    { "--rows", NULL, "N" }, { "--seed", NULL, "S" }, { "--format", NULL, "v2|v1" },
    { "--locale", NULL, "us|eu|uk" }, { "-o", "--output", "FILE" },
    { "--orders", NULL, "FILE" }, { "--bank", NULL, "FILE" }, { "--inventory", NULL, "FILE" },
    { "--costs", NULL, "FILE" }, { NULL, NULL, NULL },
};

/* Checks an output path given to synth ("-" is stdout). */
static int dest_ok(const char *path, const char *flag, struct err *e)
{
    if (!path || strcmp(path, "-") == 0)
        return 0;
    return fileio_check_dest(path, FILEIO_FILE, flag, e);
}

/* Returns 0, 1 after --help, -1 on a usage error. */
static int parse_args(struct cli *g, struct args *a)
{
    struct cli_args p;
    const char *v;
    uint64_t n;
    struct err e = {0};
    a->o.rows = 1000;
    a->o.seed = 1;
    if (cli_args_parse(g, opts, &p, usage) != 0)
        return p.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &p, 0) < 0)
        return -1;
    if ((v = cli_arg(&p, "--rows")) && whole(v, SYNTH_ROWS_MAX, &n) < 0)
        return cli_usage_error(g->cmd, "--rows %s: a whole number of lines, at most %lld", v,
                               (long long)SYNTH_ROWS_MAX);
    if (v)
        a->o.rows = (int64_t)n;
    if ((v = cli_arg(&p, "--seed")) && whole(v, UINT64_MAX, &n) < 0)
        return cli_usage_error(g->cmd, "--seed %s: a whole number", v);
    if (v)
        a->o.seed = n;
    if ((v = cli_arg(&p, "--format")) && synth_format_of(v) < 0)
        return cli_usage_error(g->cmd, "--format %s: v2 or v1", v);
    if (v)
        a->o.format = synth_format_of(v);
    if ((v = cli_arg(&p, "--locale")) && synth_locale_of(v) < 0)
        return cli_usage_error(g->cmd, "--locale %s: us, eu or uk", v);
    if (v)
        a->o.locale = synth_locale_of(v);
    a->out = cli_arg(&p, "-o");
    a->orders = cli_arg(&p, "--orders");
    a->bank = cli_arg(&p, "--bank");
    a->inventory = cli_arg(&p, "--inventory");
    a->costs = cli_arg(&p, "--costs");
    if (dest_ok(a->out, "-o", &e) < 0 || dest_ok(a->orders, "--orders", &e) < 0 ||
        dest_ok(a->bank, "--bank", &e) < 0 || dest_ok(a->inventory, "--inventory", &e) < 0 ||
        dest_ok(a->costs, "--costs", &e) < 0) {
        log_error("%s", e.msg);
        return -1;
    }
    return 0;
}

int cli_synth(struct cli *g)
{
    struct args a = {0};
    struct synth_plan p;
    struct err e = {0};
    char total[MONEY_FMT_MAX];

    int rc = parse_args(g, &a);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (synth_plan(&p, &a.o, &e) < 0 ||
        write_file(a.out, synth_write_settlement, &p, &e) < 0 ||
        (a.orders && write_file(a.orders, synth_write_orders, &p, &e) < 0) ||
        (a.bank && write_file(a.bank, synth_write_bank, &p, &e) < 0) ||
        (a.inventory && write_file(a.inventory, synth_write_inventory, &p, &e) < 0) ||
        (a.costs && write_file(a.costs, synth_write_costs, &p, &e) < 0)) {
        log_error("synth: %s", e.msg);
        return err_exit_code(&e);
    }
    log_info("synth: settlement %s %s, %lld lines in %lld events, total %s%s%s%s%s",
                p.settlement_id, p.currency, (long long)a.o.rows, (long long)p.events,
                money_format(total, p.total, 2), a.out ? " -> " : "", a.out ? a.out : "",
                a.orders ? ", orders -> " : "", a.orders ? a.orders : "");
    return 0;
}
