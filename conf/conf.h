#ifndef XDC_CONF_CONF_H
#define XDC_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configuration in Java .properties syntax, driven by one typed table per
 * component. Loading is two steps so that components with pattern keys
 * (MirrorMaker 2's "<alias>.bootstrap.servers") can take theirs first:
 *   conf_props_parse()  text -> ordered (key, value, file, line) entries
 *   conf_apply()        entries + table -> typed struct, all validated
 * conf_load() does both for a file plus command-line overrides. */

typedef enum conf_type {
    CONF_BOOL,   /* bool: true/false (case-insensitive) */
    CONF_INT,    /* int32_t within [min, max] */
    CONF_LONG,   /* int64_t within [min, max] */
    CONF_DOUBLE, /* double within [min, max] */
    CONF_STRING, /* char *, owned by the struct; "" when unset */
    CONF_LIST,   /* conf_list_t: comma-separated, items trimmed, empties dropped */
    CONF_ENUM,   /* int: index into the '|'-separated choices in ->choices */
} conf_type_t;

enum conf_flags {
    CONF_F_REQUIRED = 1 << 0, /* must be set in the file or an override */
    CONF_F_SECRET = 1 << 1,   /* value never printed in errors, logs or dumps */
    CONF_F_NONEMPTY = 1 << 2, /* string or list may not be empty */
};

typedef struct conf_list {
    int count;
    char **items; /* owned */
} conf_list_t;

/** Free the items of @p l and zero it. */
void conf_list_free(conf_list_t *l);

/* Extra validation for a value that already parsed as its type, such as a
 * listener URL. Fills @p why with a reason and returns XDC_ECONF. */
typedef int (*conf_check_cb)(const void *field, char *why, size_t whylen);

typedef struct conf_item {
    const char *name;
    conf_type_t type;
    size_t offset; /* offsetof() the field in the component's struct */
    int64_t min;   /* CONF_INT/LONG/DOUBLE bounds (DOUBLE uses them as whole numbers) */
    int64_t max;
    const char *def;     /* default in properties syntax; NULL = no default */
    const char *doc;     /* one or two sentences for docs/configuration.md */
    const char *choices; /* CONF_ENUM: "a|b|c" */
    unsigned flags;
    conf_check_cb check; /* optional */
} conf_item_t;

typedef struct conf_table {
    const char *component; /* "broker", "mirror", "failover" */
    const char *intro;     /* a paragraph for the docs */
    const conf_item_t *items;
    size_t count;
} conf_table_t;

/* One key=value as written, with where it came from. */
typedef struct conf_entry {
    char *key;
    char *value;
    const char *file; /* borrowed: the path given to conf_props_parse, or "--override" */
    int line;         /* 1-based line of the key; 0 for overrides */
    bool used;        /* set by whoever consumed the entry */
} conf_entry_t;

typedef struct conf_entries {
    conf_entry_t *v;
    size_t count;
    size_t cap;
    const char *source; /* borrowed: the file parsed last, for whole-file errors */
} conf_entries_t;

void conf_entries_init(conf_entries_t *es);
void conf_entries_close(conf_entries_t *es);
/** Find the last entry for @p key (later entries win, as in Java).
 *  @return borrowed, or NULL. */
conf_entry_t *conf_entries_find(conf_entries_t *es, const char *key);

/** Parse .properties text: "key=value", "key: value", "key value", '#' and
 *  '!' comments, '\' continuation, \t \n \r \f \\ and \uXXXX escapes
 *  (UTF-16 surrogate pairs joined, output UTF-8), then ${env:NAME} and
 *  ${file:PATH} in values. @p file is borrowed into each entry and must
 *  outlive @p out.  @return 0, or XDC_ECONF with "file:line: reason". */
int conf_props_parse(const char *text, size_t len, const char *file, conf_entries_t *out,
                     char *errbuf, size_t errlen);

/** Read @p path and parse it as conf_props_parse() does.
 *  @return 0, or XDC_ECONF (unreadable file or bad syntax). */
int conf_props_parse_file(const char *path, conf_entries_t *out, char *errbuf, size_t errlen);

/** Add a command-line "key=value" override (beats the file).
 *  @return 0, or XDC_ECONF when there is no '='. */
int conf_entries_add_override(conf_entries_t *es, const char *kv, char *errbuf, size_t errlen);

/** conf_props_parse_file(@p path) (none when NULL) into @p es, then the
 *  "key=value" @p overrides.  @return 0 or XDC_ECONF. */
int conf_entries_load(const char *path, const char *const *overrides, int noverrides,
                      conf_entries_t *es, char *errbuf, size_t errlen);

/** Fill @p out (a zeroed struct of the table's type) from defaults, then
 *  from each entry not yet marked used. Every entry must name a key of the
 *  table; values are checked against type and bounds, then required keys.
 *  @return 0, or XDC_ECONF with one line such as
 *   "conf/broker.properties:12: log.segment.bytes: '12x' is not an integer"
 *   "conf/broker.properties:3: unknown key 'log.segmnt.bytes' (did you mean 'log.segment.bytes'?)"
 *  On failure @p out may hold partial values: release it with conf_free(). */
int conf_apply(const conf_table_t *t, conf_entries_t *es, void *out, char *errbuf, size_t errlen);

/** conf_props_parse_file(@p path) (none when NULL), then the overrides,
 *  then conf_apply().  @return 0 or XDC_ECONF. */
int conf_load(const char *path, const conf_table_t *t, const char *const *overrides, int noverrides,
              void *out, char *errbuf, size_t errlen);

/** conf_load() over a string, for tests and fuzzing. */
int conf_load_string(const char *text, const char *name, const conf_table_t *t, void *out,
                     char *errbuf, size_t errlen);

/** Free the strings and lists conf_apply() stored in @p out. */
void conf_free(const conf_table_t *t, void *out);

/** Set one item from its text value, checking type and bounds.
 *  @return 0, or XDC_ECONF with "key: reason" in @p errbuf. */
int conf_set(const conf_item_t *it, void *out, const char *value, char *errbuf, size_t errlen);

/** Format the current value of @p it in @p out as properties text (the
 *  inverse of conf_set()): lists comma-separated, enums by name.
 *  @return @p buf. */
const char *conf_format(const conf_item_t *it, const void *out, char *buf, size_t len);

/** @return the item named @p key, or NULL. */
const conf_item_t *conf_find(const conf_table_t *t, const char *key);

/** @return the table key closest to @p key by edit distance, or NULL when
 *  nothing is close enough to be a plausible typo. */
const char *conf_closest(const conf_table_t *t, const char *key);

/** Write @p t's reference section as Markdown to @p out (a FILE *). */
void conf_doc_markdown(const conf_table_t *t, void *out);

/** Edit distance between two strings (for "did you mean"). */
int conf_edit_distance(const char *a, const char *b);

/* --- settings every daemon shares --------------------------------------- */

/* Logging settings, embedded in each component's struct. */
typedef struct conf_log {
    int level;   /* enum log_level */
    char *debug; /* comma-separated debug contexts */
} conf_log_t;

/** Table rows for log.level and log.debug of a struct with a conf_log_t
 *  member named @p member. */
/* clang-format off */
#define CONF_LOG_ITEMS(type, member)                                                               \
    {"log.level", CONF_ENUM, offsetof(type, member.level), 0, 0, "info",                           \
     "Diagnostics threshold: error, warn, info or debug.", "error|warn|info|debug", 0, NULL},      \
    {"log.debug", CONF_STRING, offsetof(type, member.debug), 0, 0, "",                             \
     "Debug contexts to log, comma-separated: wire, store, group, mirror, ckpt, failover, dns, "   \
     "http, conf, kafka (librdkafka's own debug output), or all.", NULL, 0, conf_check_log_debug}
/* clang-format on */

int conf_check_log_debug(const void *field, char *why, size_t whylen);

/** Apply logging settings through log_setup(). */
void conf_log_apply(const conf_log_t *lg);

/* A listener URL such as PLAINTEXT://127.0.0.1:9092 or http://[::1]:8083. */
typedef struct conf_listener {
    char scheme[32]; /* upper-cased for Kafka listeners, as written otherwise */
    char host[256];  /* without brackets; "" means all interfaces */
    int port;        /* 0..65535; 0 = pick a free port */
} conf_listener_t;

/** Parse "SCHEME://host:port". @return 0, or XDC_ECONF with a reason. */
int conf_listener_parse(const char *url, conf_listener_t *out, char *why, size_t whylen);

/** conf_check_cb for a string holding one listener URL. */
int conf_check_listener(const void *field, char *why, size_t whylen);

/* --- daemon command lines ------------------------------------------------- */

typedef struct conf_daemon {
    const char *prog;    /* "xdc-broker" */
    const char *summary; /* one line for --help */
    const conf_table_t *table;
} conf_daemon_t;

enum conf_args_result {
    CONF_ARGS_RUN = 1,  /* configuration loaded into the struct: start */
    CONF_ARGS_EXIT = 0, /* --help or --version printed: exit 0 */
    CONF_ARGS_FAIL = 2, /* one-line error printed to stderr: exit 2 */
};

/** Handle "PROG [FILE] [--override key=value]... [--help] [--version]",
 *  load and validate the configuration into @p conf (a zeroed struct of the
 *  table's type). Errors print exactly one line "PROG: reason" to stderr.
 *  @return enum conf_args_result; on CONF_ARGS_RUN release @p conf with
 *  conf_free(). */
int conf_daemon_args(const conf_daemon_t *d, int argc, char **argv, void *conf);

/* A daemon whose file is more than one table (the mirror: mm2.properties
 * has per-cluster and per-flow keys) loads it with its own function. It
 * is passed apart from conf_daemon_t so that the other daemons' positional
 * conf_daemon_t initializers stay complete under -Wextra. */
typedef struct conf_loader {
    /** Load @p path (NULL: none) plus overrides into @p out, as conf_load().
     *  @return 0, or XDC_ECONF with a one-line reason in @p errbuf. */
    int (*load)(const char *path, const char *const *overrides, int noverrides, void *out,
                char *errbuf, size_t errlen);
    /** Free what load() stored in @p out, also after a failed load. */
    void (*release)(void *out);
} conf_loader_t;

/** conf_daemon_args() with @p ld->load instead of conf_load() (and
 *  @p ld->release instead of conf_free()); @p ld NULL is conf_daemon_args().
 *  @return enum conf_args_result; on CONF_ARGS_RUN release @p conf with
 *  @p ld->release. */
int conf_daemon_args_load(const conf_daemon_t *d, const conf_loader_t *ld, int argc, char **argv,
                          void *conf);

#endif
