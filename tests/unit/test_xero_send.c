/* test_xero_send — the pure parts of live posting: the sliding-window rate limiter with
 * Retry-After and X-MinLimit-Remaining, bounded backoff with jitter, request bodies split
 * and subset byte for byte, and Xero's per-document answers. */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "t.h"
#include "xero_send_int.h"

/* Calls at the given times (ms) against a limit; the wait before a call at `at`. */
static const struct { int limit; int64_t calls[8]; int n; int64_t at, want; } windows[] = {
    { 3, { 0, 10, 20 }, 3, 30, 60000 + XRATE_MARGIN_MS - 30 },   /* full: wait for the 1st */
    { 3, { 0, 10 }, 2, 30, 0 },                                  /* a slot is free */
    { 3, { 0, 10, 20 }, 3, 70000, 0 },                           /* the 1st left the window */
    { 3, { 0, 10, 20, 60500 }, 4, 60501, 10 + 60000 + XRATE_MARGIN_MS - 60501 },
    { 1, { 5 }, 1, 6, 60000 + XRATE_MARGIN_MS - 1 },
    { 60, { 0 }, 1, 1, 0 },
};

static const struct { const char *body; size_t n; const char *coll, *keep, *subset; } bodies[] = {
    { "{\"Invoices\":[{\"A\":1.10}]}", 1, "Invoices", "1", "{\"Invoices\":[{\"A\":1.10}]}" },
    { "{\"Payments\":[{\"A\":\"x]}\"},{\"B\":[1,{\"c\":\"\\\"}\"}]},{\"C\":-0.05}]}", 3,
      "Payments", "101", "{\"Payments\":[{\"A\":\"x]}\"},{\"C\":-0.05}]}" },
    { "{ \"CreditNotes\" : [ {\"a\":1} , {\"b\":2} ] }", 2, "CreditNotes", "01",
      "{\"CreditNotes\":[{\"b\":2}]}" },
    { "{\"Invoices\":[]}", 0, NULL, NULL, NULL },
    { "{\"Invoices\":[{\"a\":1}", 0, NULL, NULL, NULL },
    { "[{\"a\":1}]", 0, NULL, NULL, NULL },
    { "{\"Invoices\":[{\"a\":\"unterminated}]}", 0, NULL, NULL, NULL },
    { "{\"Invoices\":[{\"a\":1}]} x", 0, NULL, NULL, NULL },
};

static const struct { long status; const char *answer; size_t n; int rc; const char *oks;
                      const char *msg1; } answers[] = {
    { 200, "{\"Invoices\":[{\"InvoiceID\":\"i1\",\"Status\":\"AUTHORISED\"},"
           "{\"InvoiceID\":\"i2\",\"HasErrors\":true,\"StatusAttributeString\":\"ERROR\","
           "\"ValidationErrors\":[{\"Message\":\"Account code '999' is not valid\"},"
           "{\"Message\":\"second\"}]}]}", 2, 0, "10",
      "Account code '999' is not valid; second" },
    { 200, "{\"Invoices\":[{\"InvoiceID\":\"i1\"}]}", 2, -1, "", "" },       /* count differs */
    { 200, "{\"Invoices\":[{\"Status\":\"AUTHORISED\"}]}", 1, -1, "", "" },  /* no id */
    { 200, "{\"Invoices\":[{\"InvoiceID\":\"i1\",\"StatusAttributeString\":\"ERROR\"}]}", 1, 0,
      "0", "rejected by Xero (no message given)" },
    { 400, "{\"Type\":\"ValidationException\",\"Message\":\"A validation exception\","
           "\"Elements\":[{\"ValidationErrors\":[{\"Message\":\"bad date\"}]}]}", 2, 0, "00",
      "bad date" },
    { 400, "{\"Message\":\"Idempotency-Key reused\"}", 1, 0, "0", "Idempotency-Key reused" },
    { 500, "{}", 1, -1, "", "" },
};

int main(void)
{
    struct xrate r;
    struct err e = {0};

    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        xrate_init(&r, windows[i].limit, 7);
        for (int k = 0; k < windows[i].n; k++)
            xrate_note_call(&r, windows[i].calls[k]);
        int64_t w = xrate_wait_ms(&r, windows[i].at);
        CHECK(w == windows[i].want, "window case %zu: wait %lld, want %lld", i, (long long)w,
              (long long)windows[i].want);
    }

    /* never more than limit call starts in any 60 s window, over a long simulated run */
    {
        int64_t now = 0, starts[400];
        int n = 0, worst = 0;
        xrate_init(&r, 60, 99);
        while (n < 400) {
            now += xrate_wait_ms(&r, now);
            xrate_note_call(&r, now);
            starts[n++] = now;
            now += 37;   /* each call takes a while */
        }
        for (int a = 0; a < n; a++) {
            int c = 0;
            for (int b = a; b < n && starts[b] < starts[a] + XRATE_WINDOW_MS; b++)
                c++;
            worst = c > worst ? c : worst;
        }
        CHECK(worst <= 60, "sliding window: %d calls in 60 s", worst);
        CHECK(starts[399] >= 6 * 60000, "400 calls at 60/min take six minutes or more: %lld",
              (long long)starts[399]);
    }

    /* Retry-After holds every call; garbage means a minute */
    xrate_init(&r, 60, 1);
    CHECK(xrate_note_answer(&r, 1000, "7", "") == 7, "Retry-After 7");
    CHECK(xrate_wait_ms(&r, 1000) == 7000, "waits 7 s: %lld", (long long)xrate_wait_ms(&r, 1000));
    CHECK(xrate_note_answer(&r, 1000, "soon", "") == 60, "Retry-After garbage is 60 s");
    CHECK(xrate_note_answer(&r, 1000, "", "") == 0, "no Retry-After");

    /* X-MinLimit-Remaining: 0 after 4 calls: the window shrinks to those 4 */
    xrate_init(&r, 60, 1);
    for (int k = 0; k < 4; k++)
        xrate_note_call(&r, 1000 * k);
    xrate_note_answer(&r, 3500, "", "0");
    CHECK(r.limit == 4, "limit shrinks to the calls in the window: %d", r.limit);
    CHECK(xrate_wait_ms(&r, 3500) == 60000 + XRATE_MARGIN_MS - 3500, "waits for the oldest: "
          "%lld", (long long)xrate_wait_ms(&r, 3500));
    xrate_note_call(&r, 60600);
    xrate_note_call(&r, 61600);
    CHECK(xrate_wait_ms(&r, 61700) == 2000 + 60000 + XRATE_MARGIN_MS - 61700,
          "then 4 per window: %lld", (long long)xrate_wait_ms(&r, 61700));
    xrate_init(&r, 60, 1);
    xrate_note_answer(&r, 0, "", "0");
    CHECK(xrate_wait_ms(&r, 0) == 60000 + XRATE_MARGIN_MS, "no record: a whole window");

    /* the window is Xero's 60 s unless the loopback test hook shortens it; the arithmetic is
     * the same at 2 s (what tests/e2e/live_faults.sh relies on) */
    xrate_init(&r, 5, 1);
    CHECK(r.window_ms == 60000, "default window %lld ms", (long long)r.window_ms);
    r.window_ms = 2000;
    for (int k = 0; k < 5; k++)
        xrate_note_call(&r, 100 * k);
    CHECK(xrate_wait_ms(&r, 450) == 2000 + XRATE_MARGIN_MS - 450, "5 per 2 s: waits %lld",
          (long long)xrate_wait_ms(&r, 450));
    xrate_note_answer(&r, 450, "", "0");
    CHECK(xrate_wait_ms(&r, 450) == 2000 + XRATE_MARGIN_MS - 450,
          "X-MinLimit-Remaining: 0 waits for the short window: %lld",
          (long long)xrate_wait_ms(&r, 450));
    CHECK(xrate_wait_ms(&r, 2000 + XRATE_MARGIN_MS) == 0, "then free");

    /* backoff: doubles, capped, jittered within [d/2, d] */
    xrate_init(&r, 60, 12345);
    for (int a = 1; a <= 12; a++) {
        int64_t d = XRATE_BACKOFF_BASE_MS << (a - 1 < 10 ? a - 1 : 10);
        if (d > XRATE_BACKOFF_CAP_MS)
            d = XRATE_BACKOFF_CAP_MS;
        for (int k = 0; k < 20; k++) {
            int64_t b = xrate_backoff_ms(&r, a);
            CHECK(b >= d / 2 && b <= d, "backoff %d: %lld not in [%lld, %lld]", a,
                  (long long)b, (long long)d / 2, (long long)d);
        }
    }

    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct xbody *b = malloc(sizeof *b);
        int rc = xbody_split(bodies[i].body, b, &e);
        CHECK((rc == 0) == (bodies[i].n > 0), "split %zu: rc %d (%s)", i, rc, e.msg);
        if (rc == 0 && bodies[i].n) {
            unsigned char keep[8];
            char *s;
            CHECK(b->n == bodies[i].n, "split %zu: %zu documents", i, b->n);
            CHECK(!strcmp(b->collection, bodies[i].coll), "split %zu: %s", i, b->collection);
            for (size_t k = 0; k < b->n; k++)
                keep[k] = bodies[i].keep[k] == '1';
            s = xbody_subset(bodies[i].body, b, keep);
            CHECK(s && !strcmp(s, bodies[i].subset), "subset %zu: %s", i, s ? s : "NULL");
            free(s);
        }
        free(b);
    }

    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        struct xresult res[4];
        json_error_t je;
        json_t *root = json_loads(answers[i].answer, 0, &je);
        int rc = xparse_answer(root, answers[i].status, "Invoices", answers[i].n, res, &e);
        CHECK(rc == answers[i].rc, "answer %zu: rc %d (%s)", i, rc, e.msg);
        for (size_t k = 0; rc == 0 && k < answers[i].n; k++)
            CHECK(res[k].done && res[k].ok == (answers[i].oks[k] == '1'), "answer %zu doc %zu",
                  i, k);
        if (rc == 0 && answers[i].msg1[0]) {
            size_t k = strchr(answers[i].oks, '0') - answers[i].oks;
            CHECK(!strcmp(res[k].msg, answers[i].msg1), "answer %zu message: %s", i,
                  res[k].msg);
        }
        if (rc == 0 && answers[i].oks[0] == '1')
            CHECK(!strcmp(res[0].id, "i1") && !strcmp(res[0].status, "AUTHORISED"),
                  "answer %zu id %s status %s", i, res[0].id, res[0].status);
        json_decref(root);
    }

    {   /* what identifies each kind of document */
        const char *body = "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-1-1\"},"
                           "\"Reference\":\"Amazon settlement 1 deposit\",\"Amount\":1.00}]}";
        struct xbody *b = malloc(sizeof *b);
        struct xdoc d;
        CHECK(xbody_split(body, b, &e) == 0 && xbody_doc(body, b, 0, &d, &e) == 0 &&
              !strcmp(d.target, "AMZ-1-1") && !strcmp(d.label, "payment of AMZ-1-1") &&
              !strcmp(d.reference, "Amazon settlement 1 deposit"), "payment identity: %s",
              e.msg);
        free(b);
    }
    {   /* a contact settlebook creates: found again by its name; answers carry ContactID */
        const char *body = "{\"Contacts\":[{\"Name\":\"Amazon.ca\"}]}";
        const char *answer = "{\"Contacts\":[{\"ContactID\":\"c1\",\"Name\":\"Amazon.ca\","
                             "\"ContactStatus\":\"ACTIVE\",\"HasValidationErrors\":false}]}";
        struct xbody *b = malloc(sizeof *b);
        struct xresult res[1];
        struct xdoc d;
        json_t *root = json_loads(answer, 0, NULL);
        CHECK(xbody_split(body, b, &e) == 0 && !strcmp(b->collection, "Contacts") &&
              xbody_doc(body, b, 0, &d, &e) == 0 && !strcmp(d.reference, "Amazon.ca") &&
              !strcmp(d.label, "contact Amazon.ca"), "contact identity: %s", e.msg);
        CHECK(!strcmp(xbody_id_field("Contacts"), "ContactID"), "contact id field");
        memset(res, 0, sizeof res);
        CHECK(xparse_answer(root, 200, "Contacts", 1, res, &e) == 0 && res[0].ok &&
              !strcmp(res[0].id, "c1"), "contact answer: %s id %s", e.msg, res[0].id);
        json_decref(root);
        free(b);
    }
    /* the kill points are inert unless the API is on a loopback address */
    setenv("SETTLEBOOK_CRASH_AT", "unit_point", 1);
    crash_arm("https://api.xero.com/api.xro/2.0");
    crash_point("unit_point");
    crash_arm("http://127.0.0.1.example.com/api.xro/2.0");
    crash_point("unit_point");
    crash_arm("http://localhost.example.com:80/");
    crash_point("unit_point");
    setenv("SETTLEBOOK_CRASH_AT", "unit_point:2", 1);
    crash_arm("http://127.0.0.1:9/api.xro/2.0");
    crash_point("unit_point");       /* armed, but only its second visit kills */
    crash_point("other_point");
    unsetenv("SETTLEBOOK_CRASH_AT");
    crash_arm("http://127.0.0.1:9/api.xro/2.0");
    crash_point("unit_point");
    CHECK(1, "still alive: no kill point fired outside a loopback test");
    return T_DONE();
}
