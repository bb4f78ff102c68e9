/* meta.properties: the identity of a data directory (Kafka's
 * MetaProperties: version, cluster.id, node.id). */
#include "broker/brk_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void brk__meta_new_cluster_id(char out[23])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[16];
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    uint32_t acc = 0;
    int bits = 0, o = 0;
    for (size_t i = 0; i < sizeof(r); i++) {
        acc = acc << 8 | r[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64[(acc >> bits) & 63];
        }
    }
    if (bits)
        out[o++] = b64[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

static int meta_create(const char *path, int32_t node_id, char *cluster_id, size_t len)
{
    char id[23];
    brk__meta_new_cluster_id(id);
    char *text =
        xasprintf("#\n#Written by xdc-broker\nversion=1\ncluster.id=%s\nnode.id=%d\n", id, node_id);
    int rc = brk__write_atomic(path, text, strlen(text));
    free(text);
    if (rc == 0)
        snprintf(cluster_id, len, "%s", id);
    return rc;
}

static int meta_check(const char *path, conf_entries_t *es, int32_t node_id, char *cluster_id,
                      size_t len, char *errbuf, size_t errlen)
{
    conf_entry_t *cid = conf_entries_find(es, "cluster.id");
    conf_entry_t *nid = conf_entries_find(es, "node.id");
    if (!nid)
        nid = conf_entries_find(es, "broker.id"); /* ZooKeeper-era files */
    if (!cid || !*cid->value || !nid) {
        xdc_errbuf(errbuf, errlen, "%s: missing cluster.id or node.id", path);
        return XDC_ECONF;
    }
    char *end;
    long n = strtol(nid->value, &end, 10);
    if (*end != '\0' || n != node_id) {
        xdc_errbuf(errbuf, errlen,
                   "%s:%d: node.id %s does not match configured node.id %d (directory belongs to "
                   "another broker)",
                   path, nid->line, nid->value, node_id);
        return XDC_ECONF;
    }
    if (strlen(cid->value) >= len) {
        xdc_errbuf(errbuf, errlen, "%s:%d: cluster.id is too long", path, cid->line);
        return XDC_ECONF;
    }
    snprintf(cluster_id, len, "%s", cid->value);
    return 0;
}

int brk__meta_load(const char *dir, int32_t node_id, char *cluster_id, size_t len, char *errbuf,
                   size_t errlen)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        xdc_errbuf(errbuf, errlen, "%s: cannot create data directory: %s", dir, strerror(errno));
        return -errno;
    }
    char *path = xasprintf("%s/meta.properties", dir);
    int rc;
    if (access(path, F_OK) < 0) {
        rc = meta_create(path, node_id, cluster_id, len);
        if (rc < 0)
            xdc_errbuf(errbuf, errlen, "%s: cannot write: %s", path, strerror(-rc));
        else
            log_info("[%s] new data directory, cluster.id=%s", dir, cluster_id);
    } else {
        conf_entries_t es;
        conf_entries_init(&es);
        rc = conf_props_parse_file(path, &es, errbuf, errlen);
        if (rc == 0)
            rc = meta_check(path, &es, node_id, cluster_id, len, errbuf, errlen);
        conf_entries_close(&es);
    }
    free(path);
    return rc;
}
