/* crash — named kill points for the crash tests of live posting. With
 * SETTLEBOOK_CRASH_AT=<name>[:<n>] in the environment, the n-th time (default the first)
 * crash_point(name) is reached the process kills itself with SIGKILL, exactly as `kill -9`
 * would: no cleanup, no flush, no rollback. The hook is armed only while the configured
 * Xero API is on a loopback address (127.0.0.1, ::1, localhost), so it can never fire
 * against a real organisation. The points are listed in crash.c and in README.md. */
#ifndef SETTLEBOOK_CRASH_H
#define SETTLEBOOK_CRASH_H

/* Arms the hook when api_url is a loopback URL and SETTLEBOOK_CRASH_AT is set; otherwise
 * every crash_point is a no-op. */
void crash_arm(const char *api_url);

/* Kills the process when the armed point is name and this is its n-th visit. */
void crash_point(const char *name);

#endif
