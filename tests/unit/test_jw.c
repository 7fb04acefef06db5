/* test_jw — the JSON writer: string escaping (control characters, quotes, backslash, UTF-8
 * passed through), money from minor units at exponents 0, 2 and 3 with negatives and the
 * int64 extremes, nesting, key order, commas, pretty printing and jw_pretty. Every document
 * written is also parsed back with jansson, so "valid JSON" is checked, not assumed. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "t.h"

/* Strings in, exactly the bytes jw writes out (quotes included). */
static const struct { const char *in; const char *want; } strs[] = {
    { "", "\"\"" },
    { "plain", "\"plain\"" },
    { "say \"hi\"", "\"say \\\"hi\\\"\"" },
    { "C:\\path\\", "\"C:\\\\path\\\\\"" },
    { "a\nb", "\"a\\nb\"" },
    { "a\rb", "\"a\\rb\"" },
    { "a\tb", "\"a\\tb\"" },
    { "\x01", "\"\\u0001\"" },
    { "\x08", "\"\\u0008\"" },                       /* backspace: \u form, not \b */
    { "\x0c", "\"\\u000c\"" },                       /* form feed */
    { "\x1b[0m", "\"\\u001b[0m\"" },                 /* escape: a terminal sequence stays inert */
    { "\x1f", "\"\\u001f\"" },
    { "\x7f", "\"\x7f\"" },                          /* DEL is not a control char for JSON */
    { "/", "\"/\"" },                                /* solidus: no escape needed */
    { "caf\xC3\xA9", "\"caf\xC3\xA9\"" },            /* é passes through */
    { "\xE2\x82\xAC 5", "\"\xE2\x82\xAC 5\"" },      /* € */
    { "\xF0\x9F\x93\xA6", "\"\xF0\x9F\x93\xA6\"" },  /* U+1F4E6, four bytes */
    { "\"\\\n\x02", "\"\\\"\\\\\\n\\u0002\"" },      /* all kinds in a row */
};

/* Minor units at an exponent, written as a JSON number. */
static const struct { money_t v; int exp; const char *want; } money[] = {
    { 0, 0, "0" }, { 7, 0, "7" }, { -7, 0, "-7" }, { 1980, 0, "1980" },
    { 0, 2, "0.00" }, { 1, 2, "0.01" }, { -1, 2, "-0.01" }, { 5, 2, "0.05" },
    { -5, 2, "-0.05" }, { 99, 2, "0.99" }, { 100, 2, "1.00" }, { 1234, 2, "12.34" },
    { -1234, 2, "-12.34" }, { -100, 2, "-1.00" }, { 123456789, 2, "1234567.89" },
    { 0, 3, "0.000" }, { 1, 3, "0.001" }, { -1, 3, "-0.001" }, { 1234, 3, "1.234" },
    { -1234, 3, "-1.234" }, { 1000, 3, "1.000" }, { -999, 3, "-0.999" },
    { INT64_MAX, 0, "9223372036854775807" }, { INT64_MIN, 0, "-9223372036854775808" },
    { INT64_MAX, 2, "92233720368547758.07" }, { INT64_MIN, 2, "-92233720368547758.08" },
    { INT64_MAX, 3, "9223372036854775.807" }, { INT64_MIN, 3, "-9223372036854775.808" },
    { INT64_MIN + 1, 2, "-92233720368547758.07" },
};

/* Documents as a tiny script (space-separated ops: { } [ ] kKEY sSTR iINT b0 b1 mV/EXP
 * rRAW), the compact text and the pretty text at indent 2. */
static const struct { const char *ops; const char *compact; const char *pretty; } docs[] = {
    { "{ }", "{}", "{}" },
    { "[ ]", "[]", "[]" },
    { "i42", "42", "42" },
    { "{ ka s1 }", "{\"a\":\"1\"}", "{\n  \"a\": \"1\"\n}" },
    /* keys in the order given, never sorted */
    { "{ kz i1 ka i2 km i3 }", "{\"z\":1,\"a\":2,\"m\":3}",
      "{\n  \"z\": 1,\n  \"a\": 2,\n  \"m\": 3\n}" },
    { "[ i1 i2 i3 ]", "[1,2,3]", "[\n  1,\n  2,\n  3\n]" },
    { "[ { } [ ] { } ]", "[{},[],{}]", "[\n  {},\n  [],\n  {}\n]" },
    { "{ ka [ i1 { kb b1 kc b0 } ] kd m-5/2 }", "{\"a\":[1,{\"b\":true,\"c\":false}],\"d\":-0.05}",
      "{\n  \"a\": [\n    1,\n    {\n      \"b\": true,\n      \"c\": false\n    }\n  ],\n"
      "  \"d\": -0.05\n}" },
    { "[ [ [ i1 ] i2 ] i3 ]", "[[[1],2],3]",
      "[\n  [\n    [\n      1\n    ],\n    2\n  ],\n  3\n]" },
    { "{ kx r{\"y\":[1,2]} kz i0 }", "{\"x\":{\"y\":[1,2]},\"z\":0}",
      "{\n  \"x\": {\"y\":[1,2]},\n  \"z\": 0\n}" },
    { "{ ka\"b i1 }", "{\"a\\\"b\":1}", "{\n  \"a\\\"b\": 1\n}" },
    { "[ m100/0 m100/2 m100/3 ]", "[100,1.00,0.100]", "[\n  100,\n  1.00,\n  0.100\n]" },
    { "[ i-9223372036854775807 i9223372036854775807 ]",
      "[-9223372036854775807,9223372036854775807]",
      "[\n  -9223372036854775807,\n  9223372036854775807\n]" },
};

/* jw_pretty: compact text in (strings holding JSON punctuation), pretty text out. */
static const struct { const char *in; int base; const char *want; } pretty[] = {
    { "{\"a\":1}", 0, "{\n  \"a\": 1\n}" },
    { "{\"a\":\"x,y:{z}[\\\"]\"}", 0, "{\n  \"a\": \"x,y:{z}[\\\"]\"\n}" },
    { "[1,{\"b\":[]},{}]", 0, "[\n  1,\n  {\n    \"b\": []\n  },\n  {}\n]" },
    { "{\"a\":[1,2]}", 1, "{\n    \"a\": [\n      1,\n      2\n    ]\n  }" },
    { "{\"s\":\"\\\\\"}", 0, "{\n  \"s\": \"\\\\\"\n}" },   /* escaped backslash ends the string */
};

static void run_ops(struct jw *w, const char *ops)
{
    char *copy = strdup(ops), *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        switch (t[0]) {
        case '{': jw_obj(w); break;
        case '}': jw_end_obj(w); break;
        case '[': jw_arr(w); break;
        case ']': jw_end_arr(w); break;
        case 'k': jw_key(w, t + 1); break;
        case 's': jw_str(w, t + 1); break;
        case 'i': jw_int(w, strtoll(t + 1, NULL, 10)); break;
        case 'b': jw_bool(w, t[1] == '1'); break;
        case 'r': jw_raw(w, t + 1); break;
        case 'm': jw_money(w, strtoll(t + 1, NULL, 10), atoi(strchr(t, '/') + 1)); break;
        }
    }
    free(copy);
}

/* 1 when text is one complete JSON value (jansson, any type at the top). */
static int valid_json(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    json_decref(v);
    return v != NULL;
}

static void check_strings(void)
{
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        struct jw w;
        jw_init(&w, 0);
        jw_str(&w, strs[i].in);
        CHECK(strcmp(jw_text(&w), strs[i].want) == 0, "jw_str case %zu: got [%s] want [%s]", i,
              jw_text(&w), strs[i].want);
        jw_free(&w);
    }
    /* every byte 1..127 alone, and as a key: jansson reads back exactly the input */
    for (int c = 1; c < 128; c++) {
        struct jw w;
        char in[2] = { (char)c, 0 };
        json_t *v;
        jw_init(&w, 0);
        jw_obj(&w);
        jw_kstr(&w, in, in);
        jw_end_obj(&w);
        v = json_loads(jw_text(&w), 0, NULL);
        CHECK(v && json_object_size(v) == 1 && json_is_string(json_object_get(v, in)) &&
              strcmp(json_string_value(json_object_get(v, in)), in) == 0,
              "byte 0x%02x does not round-trip: [%s]", c, jw_text(&w));
        json_decref(v);
        jw_free(&w);
    }
}

static void check_money(void)
{
    for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
        struct jw w;
        char want[96];
        jw_init(&w, 0);
        jw_obj(&w);
        jw_kmoney(&w, "Amount", money[i].v, money[i].exp);
        jw_end_obj(&w);
        snprintf(want, sizeof want, "{\"Amount\":%s}", money[i].want);
        CHECK(strcmp(jw_text(&w), want) == 0 && valid_json(jw_text(&w)),
              "jw_kmoney(%lld, %d): got [%s] want [%s]", (long long)money[i].v, money[i].exp,
              jw_text(&w), want);
        jw_free(&w);
    }
}

static void check_docs(void)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        for (int indent = 0; indent <= 2; indent += 2) {
            struct jw w;
            const char *want = indent ? docs[i].pretty : docs[i].compact;
            jw_init(&w, indent);
            run_ops(&w, docs[i].ops);
            CHECK(strcmp(jw_text(&w), want) == 0, "doc \"%s\" indent %d: got\n%s\nwant\n%s",
                  docs[i].ops, indent, jw_text(&w), want);
            CHECK(valid_json(jw_text(&w)), "doc \"%s\" indent %d: not valid JSON: %s",
                  docs[i].ops, indent, jw_text(&w));
            jw_free(&w);
        }
    }
}

static void check_pretty(void)
{
    for (size_t i = 0; i < sizeof pretty / sizeof pretty[0]; i++) {
        struct jw w;
        jw_init(&w, 2);
        w.base = pretty[i].base;
        jw_pretty(&w, pretty[i].in);
        CHECK(strcmp(jw_text(&w), pretty[i].want) == 0, "jw_pretty(%s) base %d: got\n%s\nwant\n%s",
              pretty[i].in, pretty[i].base, jw_text(&w), pretty[i].want);
        jw_free(&w);
        jw_init(&w, 0);                       /* compact: the text as given */
        jw_pretty(&w, pretty[i].in);
        CHECK(strcmp(jw_text(&w), pretty[i].in) == 0, "jw_pretty compact changed [%s]",
              pretty[i].in);
        jw_free(&w);
    }
}

/* Deeper than the writer's comma table (64 levels): brackets still balance, commas right. */
static void check_deep(void)
{
    for (int depth = 1; depth <= 80; depth += 79) {
        struct jw w;
        jw_init(&w, 0);
        for (int d = 0; d < depth; d++) {
            jw_arr(&w);
            jw_int(&w, d);
        }
        for (int d = 0; d < depth; d++)
            jw_end_arr(&w);
        CHECK(valid_json(jw_text(&w)), "depth %d: not valid JSON: %.200s", depth, jw_text(&w));
        jw_free(&w);
    }
}

int main(void)
{
    struct jw w;
    jw_init(&w, 0);
    CHECK(jw_text(&w) && strcmp(jw_text(&w), "") == 0, "a fresh writer's text is \"\"");
    jw_free(&w);
    check_strings();
    check_money();
    check_docs();
    check_pretty();
    check_deep();
    return T_DONE();
}
