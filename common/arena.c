#include "common/arena.h"

#include "common/util.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_BYTES 16384

struct arena_chunk {
    arena_chunk_t *next;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) & ~(a - 1);
}

void *arena_alloc(arena_t *a, size_t n)
{
    n = align_up(n ? n : 1);
    if (!a->head || a->head->size - a->used < n) {
        size_t size = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
        arena_chunk_t *c = xmalloc(sizeof(*c) + size);
        c->size = size;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void *arena_calloc(arena_t *a, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size) {
        fprintf(stderr, "xdc: arena allocation overflow (%zu x %zu)\n", nmemb, size);
        abort();
    }
    return arena_alloc(a, nmemb * size);
}

void arena_reset(arena_t *a)
{
    if (!a->head)
        return;
    /* Keep the oldest chunk (the tail): it is the usual working size. */
    arena_chunk_t *c = a->head;
    while (c->next) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->head = c;
    a->used = 0;
}

void arena_close(arena_t *a)
{
    while (a->head) {
        arena_chunk_t *next = a->head->next;
        free(a->head);
        a->head = next;
    }
    a->used = 0;
}
