/* log — human messages on stderr. Never given secrets or buyer PII: callers pass only
 * identifiers settlebook itself derived or Amazon's public ids. */
#ifndef SETTLEBOOK_LOG_H
#define SETTLEBOOK_LOG_H

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(int level);
int log_level(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* normal+ */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* verbose */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* always */

#endif
