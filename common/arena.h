#ifndef XDC_COMMON_ARENA_H
#define XDC_COMMON_ARENA_H

#include <stddef.h>

/* A bump allocator for per-request data (decoded arrays of a Kafka
 * request): many small allocations, freed all at once when the response is
 * queued. Allocation aborts on out-of-memory like xmalloc(), so callers cap
 * network-supplied counts first (kwire_read_array_len does). */

typedef struct arena_chunk arena_chunk_t;

typedef struct arena {
    arena_chunk_t *head; /* private */
    size_t used;         /* private: bytes used in head */
} arena_t;

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/** @return zeroed memory, aligned for any type, valid until arena_reset()
 *  or arena_close(). */
void *arena_alloc(arena_t *a, size_t n);

/** arena_alloc() of @p nmemb * @p size, with overflow checked (abort). */
void *arena_calloc(arena_t *a, size_t nmemb, size_t size);

/** Free everything but the first chunk, for reuse by the next request. */
void arena_reset(arena_t *a);

/** Free everything. */
void arena_close(arena_t *a);

#endif
