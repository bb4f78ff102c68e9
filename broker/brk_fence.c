/* Fencing: the broker of a site clients are moving away from. */
#include "broker/brk_int.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FENCE_FILE "xdc-fenced"

static void marker_path(const brk_server_t *srv, char *path, size_t len)
{
    snprintf(path, len, "%s/" FENCE_FILE, srv->data_dir);
}

int brk__fence_load(brk_server_t *srv)
{
    char path[4096];
    marker_path(srv, path, sizeof(path));
    srv->fenced = access(path, F_OK) == 0;
    if (!srv->fenced && errno != ENOENT)
        return -errno;
    if (srv->fenced)
        log_warn("broker is fenced (%s exists): serving only client.ids starting with "
                 "fence.exempt.client.ids until %s=false is set",
                 path, BRK_FENCED_KEY);
    brk__metrics_fenced(srv, srv->fenced);
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

/* The marker is durable before the change is acknowledged: a broker that
 * crashes right after being fenced must come back fenced. */
static int write_marker(const brk_server_t *srv, int on)
{
    char path[4096], text[64];
    marker_path(srv, path, sizeof(path));
    if (!on)
        return unlink(path) < 0 && errno != ENOENT ? -errno : fsync_dir(srv->data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int n = snprintf(text, sizeof(text), "fenced at %lld\n", (long long)time(NULL));
    int rc = write(fd, text, (size_t)n) != n || fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc ? rc : fsync_dir(srv->data_dir);
}

int brk__fence_set(brk_server_t *srv, int on, brk_conn_t *keep)
{
    if (srv->fenced == on)
        return 0;
    int rc = write_marker(srv, on);
    if (rc < 0) {
        log_error("cannot %s the broker: %s/" FENCE_FILE ": %s", on ? "fence" : "unfence",
                  srv->data_dir, strerror(-rc));
        return rc;
    }
    srv->fenced = on;
    brk__metrics_fenced(srv, on);
    log_warn("broker %s", on ? "fenced: closing client connections; only fence.exempt.client.ids "
                               "are served"
                             : "unfenced: serving every client");
    if (on) {
        brk__conn_close_fenced(srv, keep);
        /* Their group sessions end with their connections: the groups are
         * free for the offsets a failback sets. */
        brk__coord_evict_fenced(srv);
    }
    return 0;
}

static int exempt(const brk_server_t *srv, const char *id, size_t len)
{
    const conf_list_t *l = &srv->conf.fence_exempt_client_ids;
    for (int i = 0; i < l->count; i++) {
        size_t n = strlen(l->items[i]);
        if (len >= n && memcmp(id, l->items[i], n) == 0)
            return 1;
    }
    return 0;
}

int brk__fence_exempt_id(const brk_server_t *srv, const char *client_id)
{
    return exempt(srv, client_id, strlen(client_id));
}

void brk__fence_identify(brk_conn_t *c, kwire_slice_t client_id)
{
    if (c->exempt >= 0)
        return;
    c->exempt =
        client_id.len > 0 && exempt(c->srv, (const char *)client_id.ptr, (size_t)client_id.len);
}

/* What anyone may still ask a fenced broker: enough to see that it is
 * fenced and to unfence it. Not Metadata: a client that got metadata here
 * would keep coming back to this broker, instead of asking its bootstrap
 * name again and following the switch. */
static int allowed_when_fenced(int16_t api_key)
{
    switch (api_key) {
    case 18: /* ApiVersions */
    case 32: /* DescribeConfigs */
    case 33: /* AlterConfigs */
    case 44: /* IncrementalAlterConfigs */
    case 60: /* DescribeCluster */ return 1;
    default: return 0;
    }
}

int brk__fence_refuses(const brk_conn_t *c, int16_t api_key)
{
    return c->srv->fenced && c->exempt != 1 && !allowed_when_fenced(api_key);
}
