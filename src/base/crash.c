/* crash — the kill points of live posting (see crash.h). The named points, in the order a
 * run meets them:
 *   after_ref_fetch           preflight read Xero's reference data, cache not yet committed
 *   after_preflight           preflight passed and its cache is committed; nothing sent
 *   between_requests          before each request of a run but the first
 *   after_lookup              an unknown-outcome request was looked up and recorded
 *   after_mark_sending        the request is committed as 'sending'; not yet sent
 *   after_http_before_commit  Xero answered; the answer is not yet in the ledger
 *   before_confirm_commit     the answer is written inside the open transaction, no COMMIT
 *   after_confirm             the request is committed as 'confirmed'
 *   after_dead                the request is committed as 'dead'
 * It never writes anything but one line on stderr naming the point. */
#include "base.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char armed[64];
static long target = 1, seen;

static int loopback(const char *url)
{
    static const char *const hosts[] = { "http://127.0.0.1:", "http://127.0.0.1/",
                                         "http://localhost:", "http://localhost/",
                                         "http://[::1]:", "http://[::1]/" };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
        if (strncasecmp(url, hosts[i], strlen(hosts[i])) == 0)
            return 1;
    return 0;
}

void crash_arm(const char *api_url)
{
    const char *v = getenv("SETTLEBOOK_CRASH_AT");
    const char *colon;
    armed[0] = '\0';
    seen = 0;
    target = 1;
    if (!v || !v[0] || !api_url || !loopback(api_url))
        return;
    colon = strchr(v, ':');
    snprintf(armed, sizeof armed, "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
    if (colon) {
        target = strtol(colon + 1, NULL, 10);
        if (target < 1)
            target = 1;
    }
}

void crash_point(const char *name)
{
    static const char head[] = "settlebook: crash point ";
    if (!armed[0] || strcmp(armed, name) != 0 || ++seen != target)
        return;
    /* write(2), not stdio: nothing buffered is flushed, as with kill -9 */
    if (write(2, head, sizeof head - 1) < 0 || write(2, name, strlen(name)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(137);
    raise(SIGKILL);
    _exit(137);
}
