/* config_edit — adds a mapping rule to settlebook.json by inserting its text, never by
 * re-serialising the file: every other byte (the "//" comment keys, several per object,
 * which a JSON library that dedupes keys would lose, the key order, the layout) stays as it
 * was. The result is checked with config_load before it replaces the file. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

#define CONFIG_FILE_MAX (1 << 20)

static int read_all(const char *path, char **out, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    long n;
    *out = NULL;
    if (!f)
        return err_set(e, ERR_INPUT, "%s: no config to add the rule to: run `settlebook "
                       "init` or pass --config PATH", path);
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > CONFIG_FILE_MAX ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return err_set(e, ERR_INPUT, "%s: unreadable, or larger than 1 MiB", path);
    }
    *out = malloc((size_t)n + 1);
    if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*out);
        *out = NULL;
        return err_set(e, ERR_INPUT, "%s: cannot read the config", path);
    }
    fclose(f);
    (*out)[n] = '\0';
    *len = (size_t)n;
    return 0;
}

/* Past the string starting at s[i] == '"'. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* The text's landmarks: the top-level object's closing brace, and the "mappings" array's
 * brackets when the top level has one. (size_t)-1 when absent. */
struct marks {
    size_t root_close, arr_open, arr_close;
};

static int find_marks(const char *s, size_t n, struct marks *m)
{
    int depth = 0;
    size_t i = 0, arr_depth = 0;
    m->root_close = m->arr_open = m->arr_close = (size_t)-1;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            size_t end = skip_string(s, n, i);
            size_t after = skip_ws(s, n, end);
            if (depth == 1 && after < n && s[after] == ':' && end - i == 10 &&
                memcmp(s + i, "\"mappings\"", 10) == 0) {
                size_t v = skip_ws(s, n, after + 1);
                if (v < n && s[v] == '[') {
                    m->arr_open = v;
                    arr_depth = 2;
                }
            }
            i = end;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (c == ']' && depth == (int)arr_depth && m->arr_open != (size_t)-1 &&
                m->arr_close == (size_t)-1)
                m->arr_close = i;
            if (--depth == 0 && c == '}') {
                m->root_close = i;
                return 0;
            }
        }
        i++;
    }
    return -1;
}

/* The rule as one line of JSON, keys in the order settlebook.json documents them. */
static char *rule_text(const struct config_rule_text *r)
{
    json_t *o = json_object();
    char *s;
    if (!o)
        return NULL;
    if (r->comment && r->comment[0])
        json_object_set_new(o, "//", json_string(r->comment));
    json_object_set_new(o, "transaction_type", json_string(r->transaction_type));
    json_object_set_new(o, "amount_type", json_string(r->amount_type));
    json_object_set_new(o, "amount_description", json_string(r->amount_description));
    if (r->marketplace && r->marketplace[0])
        json_object_set_new(o, "marketplace", json_string(r->marketplace));
    json_object_set_new(o, "account", json_string(r->account));
    json_object_set_new(o, "tax", json_string(r->tax));
    json_object_set_new(o, "category", json_string(r->category));
    s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    return s;
}

/* old[0..at) + ins + old[at..n), into a new string. */
static char *splice(const char *old, size_t n, size_t at, const char *ins)
{
    size_t k = strlen(ins);
    char *out = malloc(n + k + 1);
    if (!out)
        return NULL;
    memcpy(out, old, at);
    memcpy(out + at, ins, k);
    memcpy(out + at + k, old + at, n - at);
    out[n + k] = '\0';
    return out;
}

static size_t last_non_ws(const char *s, size_t from, size_t to)
{
    while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t' || s[to - 1] == '\n' ||
                         s[to - 1] == '\r'))
        to--;
    return to;
}

/* The new text: the rule appended to "mappings", or a "mappings" key added at the end of
 * the top-level object. */
static char *insert_rule(const char *old, size_t n, const char *rule, const char *path,
                         struct err *e)
{
    struct marks m;
    char *ins, *out;
    size_t at, k = strlen(rule) + 64;
    if (find_marks(old, n, &m) < 0) {
        err_set(e, ERR_INPUT, "%s: not a JSON object; fix it before adding rules", path);
        return NULL;
    }
    ins = malloc(k);
    if (!ins) {
        err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (m.arr_close != (size_t)-1) {
        at = last_non_ws(old, m.arr_open + 1, m.arr_close);
        if (at == m.arr_open + 1)     /* empty: the rule on its own line, ']' on the next */
            snprintf(ins, k, "\n    %s\n  ", rule);
        else
            snprintf(ins, k, ",\n    %s", rule);
    } else {
        at = last_non_ws(old, 0, m.root_close);
        snprintf(ins, k, "%s\n  \"mappings\": [\n    %s\n  ]",
                 old[at - 1] == '{' ? "" : ",", rule);
    }
    out = splice(old, n, at, ins);
    free(ins);
    if (!out)
        err_set(e, ERR_NOMEM, "out of memory");
    return out;
}

int config_add_rule(const char *path, const struct config_rule_text *r, struct err *e)
{
    char *old = NULL, *rule = NULL, *neu = NULL, tmp[4200];
    size_t n = 0;
    struct config check;
    int rc = -1;
    memset(&check, 0, sizeof check);
    if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp)
        return err_set(e, ERR_INPUT, "%s: path too long", path);
    if (read_all(path, &old, &n, e) < 0)
        return -1;
    rule = rule_text(r);
    if (!rule) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    neu = insert_rule(old, n, rule, path, e);
    if (!neu || fileio_write_atomic(tmp, neu, strlen(neu), e) < 0)
        goto done;
    /* the edited file must load exactly like any settlebook.json before it replaces it */
    if (config_load(&check, tmp, 1, e) < 0) {
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        err_set(e, ERR_IO, "%s: cannot replace the config", path);
        goto done;
    }
    rc = 0;
done:
    config_free(&check);
    free(old);
    free(rule);
    free(neu);
    return rc;
}
