/* t.h — the unit-test runner: CHECK counts, T_DONE prints "N passed, N failed". */
#ifndef SETTLEBOOK_T_H
#define SETTLEBOOK_T_H
#include <stdio.h>
static int t_pass, t_fail;
#define CHECK(cond, ...) do { if (cond) t_pass++; else { t_fail++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); putchar('\n'); } } while (0)
#define T_DONE() (printf("%d passed, %d failed\n", t_pass, t_fail), t_fail != 0)
#endif
