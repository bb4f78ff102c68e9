/* The configuration reference (docs/configuration.md) is generated from
 * the same tables that parse the files, so the two cannot drift. */
#include "conf/conf.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(conf_type_t t)
{
    switch (t) {
    case CONF_BOOL: return "boolean";
    case CONF_INT: return "int";
    case CONF_LONG: return "long";
    case CONF_DOUBLE: return "double";
    case CONF_STRING: return "string";
    case CONF_LIST: return "list";
    case CONF_ENUM: return "enum";
    }
    return "?";
}

static void print_bound(FILE *f, int64_t v)
{
    if (v == INT64_MAX)
        fputs("2^63-1", f);
    else if (v == INT64_MIN)
        fputs("-2^63", f);
    else
        fprintf(f, "%" PRId64, v);
}

static void print_valid(FILE *f, const conf_item_t *it)
{
    switch (it->type) {
    case CONF_INT:
    case CONF_LONG:
    case CONF_DOUBLE:
        fputs("[", f);
        print_bound(f, it->min);
        fputs(", ", f);
        print_bound(f, it->max);
        fputs("]", f);
        break;
    case CONF_ENUM:
        for (const char *p = it->choices; *p; p++)
            fputs(*p == '|' ? ", " : (char[]){*p, 0}, f);
        break;
    case CONF_BOOL: fputs("true, false", f); break;
    default: fputs(it->flags & CONF_F_NONEMPTY ? "non-empty" : "", f); break;
    }
}

/* Table cells cannot hold a raw '|'. */
static void print_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

void conf_doc_markdown(const conf_table_t *t, void *out)
{
    FILE *f = out;
    fprintf(f, "## %s\n\n%s\n\n", t->component, t->intro);
    fputs("| key | type | default | valid values | description |\n", f);
    fputs("| --- | --- | --- | --- | --- |\n", f);
    for (size_t i = 0; i < t->count; i++) {
        const conf_item_t *it = &t->items[i];
        fprintf(f, "| `%s` | %s | ", it->name, type_name(it->type));
        if (it->flags & CONF_F_REQUIRED)
            fputs("*required*", f);
        else if (it->def && *it->def) {
            fputs("`", f);
            print_cell(f, it->def);
            fputs("`", f);
        } else {
            fputs("\"\"", f);
        }
        fputs(" | ", f);
        print_valid(f, it);
        fputs(" | ", f);
        print_cell(f, it->doc);
        if (it->flags & CONF_F_SECRET)
            fputs(" Secret: never logged.", f);
        fputs(" |\n", f);
    }
    fputs("\n", f);
}
