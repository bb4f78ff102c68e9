#ifndef XDC_COMMON_LOG_H
#define XDC_COMMON_LOG_H

#include <stddef.h>

/* Diagnostics. One line per event, subject first ("[orders/3] rolled
 * segment ..."), written with a single write(2) so lines from librdkafka's
 * threads never interleave. The macros test the level or debug context
 * before any formatting happens. */

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

/* Debug contexts, enabled with log.debug=wire,store,... */
enum log_ctx {
    LOG_CTX_WIRE = 1u << 0,     /* Kafka protocol frames and requests */
    LOG_CTX_STORE = 1u << 1,    /* partition stores, segments, indexes */
    LOG_CTX_GROUP = 1u << 2,    /* consumer group coordinator */
    LOG_CTX_MIRROR = 1u << 3,   /* replication flows */
    LOG_CTX_CKPT = 1u << 4,     /* offset syncs and checkpoints */
    LOG_CTX_FAILOVER = 1u << 5, /* failover controller */
    LOG_CTX_DNS = 1u << 6,      /* DNS providers */
    LOG_CTX_HTTP = 1u << 7,     /* HTTP APIs */
    LOG_CTX_CONF = 1u << 8,     /* configuration loading */
    LOG_CTX_KAFKA = 1u << 9,    /* librdkafka's own debug output */
    LOG_CTX_ALL = (1u << 10) - 1,
};

extern int log_g_level;
extern unsigned log_g_ctx;

#define log_error(...) log_emit(LOG_ERROR, 0, __VA_ARGS__)
#define log_warn(...)                                                                              \
    do {                                                                                           \
        if (log_g_level >= LOG_WARN)                                                               \
            log_emit(LOG_WARN, 0, __VA_ARGS__);                                                    \
    } while (0)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (log_g_level >= LOG_INFO)                                                               \
            log_emit(LOG_INFO, 0, __VA_ARGS__);                                                    \
    } while (0)
#define log_debug(ctx, ...)                                                                        \
    do {                                                                                           \
        if (log_g_ctx & (ctx))                                                                     \
            log_emit(LOG_DEBUG, (ctx), __VA_ARGS__);                                               \
    } while (0)

/** Format and write one line. Use the macros instead.  @thread any. */
void log_emit(int level, unsigned ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Parse a level name (error, warn, info, debug; Kafka's TRACE maps to
 *  debug).  @return 0, or XDC_ECONF when the name is unknown. */
int log_level_parse(const char *name, int *level);

/** Parse a comma-separated context list ("wire,store", "all", "").
 *  @return 0, or XDC_ECONF with the unknown name in @p errbuf. */
int log_ctx_parse(const char *list, unsigned *ctx, char *errbuf, size_t errlen);

/** The comma-separated names of every context, for help and docs. */
const char *log_ctx_names(void);

/** Set the level and contexts. A debug level with no contexts turns them
 *  all on, as Kafka's log4j DEBUG would. */
void log_setup(int level, unsigned ctx);

/** Prefix lines with @p name (the program name); borrowed, must outlive
 *  logging. */
void log_set_ident(const char *name);

/* Tests capture lines through a sink; NULL restores stderr. The sink gets
 * the formatted line without its trailing newline. */
typedef void (*log_sink_cb)(int level, const char *line, void *opaque);
void log_set_sink(log_sink_cb cb, void *opaque);

#endif
