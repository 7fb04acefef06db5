/* money — int64 minor units, ISO 4217 exponents, one parser and one formatter.
 * No floating point ever touches money. */
#ifndef SETTLEBOOK_MONEY_H
#define SETTLEBOOK_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int64_t money_t;

#define MONEY_FMT_MAX 32 /* buffer size that fits any money_format output */

/* Minor-unit digits of an ISO 4217 code (USD 2, JPY 0, KWD 3); -1 when the code is unknown. */
int money_exponent(const char *currency);

/* Parses `-?digits[.digits]` with at most `exp` decimals into minor units. Rejects blanks,
 * exponents, signs in the middle, grouping separators and overflow. */
int money_parse(const char *s, int exp, money_t *out, struct err *e);

/* Parses an amount as a file writes it: surrounding spaces, an optional leading '+',
 * grouping separators in groups of three, and `decimal` ('.' or ',') as the decimal mark
 * ("1.234,56" with ','; "1,234.56" with '.'). Normalises, then calls money_parse. */
int money_parse_locale(const char *s, char decimal, int exp, money_t *out, struct err *e);

/* Guesses the decimal mark of one amount written in either convention: with both '.' and
 * ',' the last one is decimal; a lone separator followed by exactly three final digits
 * groups thousands (unless exp is 3); otherwise the lone separator is decimal. No separator
 * gives '.'. Same rule as the settlement readers use, for readers whose files mostly write
 * '.' but sometimes ','. */
char money_decimal_guess(const char *s, int exp);

/* Writes v as a plain decimal with exactly `exp` decimals ("-12.34", "7", "0.005") into
 * buf (at least MONEY_FMT_MAX bytes). Returns buf. */
char *money_format(char *buf, money_t v, int exp);

/* *acc += v; -1 with ERR_INPUT on overflow. */
int money_add(money_t *acc, money_t v, struct err *e);

#endif
