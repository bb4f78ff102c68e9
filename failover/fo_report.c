/* Reports: one JSON file per switch in report.dir, and history.jsonl
 * with one line per switch, oldest first. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HISTORY "history.jsonl"

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

#define HOLD "hold.json"

/* A hold.json that cannot be read stops the controller: forgetting it
 * would let a returning old site take writes. */
static int hold_load(fo_t *fo, char *errbuf, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/" HOLD, fo->conf->report_dir);
    if (access(path, F_OK) < 0)
        return 0;
    json_error_t e;
    json_t *h = json_load_file(path, 0, &e);
    if (!json_is_object(h) || !json_is_string(json_object_get(h, "site")) ||
        !json_is_string(json_object_get(h, "report"))) {
        xdc_errbuf(errbuf, errlen, "%s: %s", path,
                   h ? "expected {\"site\": ..., \"report\": ...}" : e.text);
        json_decref(h);
        return XDC_ECONF;
    }
    fo->hold = h;
    return 0;
}

fo_t *fo_new(const fo_conf_t *conf, char *errbuf, size_t errlen)
{
    int rc = make_dirs(conf->report_dir);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "report.dir: cannot create %s: %s", conf->report_dir,
                   strerror(-rc));
        return NULL;
    }
    fo_dns_t *dns = fo_dns_new(&conf->dns, errbuf, errlen);
    if (!dns)
        return NULL;
    char *token = NULL;
    if (*conf->mirror_token_file &&
        xdc_read_secret("mirror.token.file", conf->mirror_token_file, &token, errbuf, errlen) < 0) {
        fo_dns_free(dns);
        return NULL;
    }
    fo_t *fo = xcalloc(1, sizeof(*fo));
    fo->conf = conf;
    fo->dns = dns;
    fo->mirror_token = token;
    pthread_mutex_init(&fo->lock, NULL);
    if (hold_load(fo, errbuf, errlen) < 0) {
        fo_free(fo);
        return NULL;
    }
    return fo;
}

void fo_free(fo_t *fo)
{
    if (!fo)
        return;
    fo_dns_free(fo->dns);
    free(fo->mirror_token);
    json_decref(fo->current);
    json_decref(fo->drill);
    json_decref(fo->hold);
    pthread_mutex_destroy(&fo->lock);
    free(fo);
}

int fo__report_begin(fo_t *fo, const char *kind, char *id, size_t len)
{
    pthread_mutex_lock(&fo->lock);
    int busy = fo->busy;
    fo->busy = 1;
    pthread_mutex_unlock(&fo->lock);
    if (busy)
        return XDC_ESTATE;
    int64_t ms = xdc_wall_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
    snprintf(id, len, "%s%03dZ-%s", stamp, (int)(ms % 1000), kind);
    /* Visible at once: a client polls GET /v1/reports/<id> from now on. */
    json_t *r = json_pack("{s:s, s:s, s:s}", "id", id, "kind", kind, "outcome", "running");
    fo__report_publish(fo, r);
    json_decref(r);
    return 0;
}

void fo__report_publish(fo_t *fo, const json_t *report)
{
    json_t *copy = json_deep_copy(report);
    pthread_mutex_lock(&fo->lock);
    json_t *old = fo->current;
    fo->current = copy;
    pthread_mutex_unlock(&fo->lock);
    json_decref(old);
}

/* Write @p text to @p dir/@p name through a temporary file, so a reader
 * never sees half a report. */
static int write_file(const char *dir, const char *name, const char *text)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -errno;
    int ok = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

static int append_history(const char *dir, const char *line)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/" HISTORY, dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    size_t n = strlen(line);
    int rc =
        write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

void fo__report_end(fo_t *fo, const json_t *report)
{
    const char *dir = fo->conf->report_dir;
    const char *id = json_string_value(json_object_get(report, "id"));
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    char *text = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *line = xjson_dump_compact(report);
    int rc = write_file(dir, name, text);
    if (!rc)
        rc = append_history(dir, line);
    if (rc)
        log_error("failover: cannot write report %s in %s: %s", id, dir, strerror(-rc));
    fo__metrics_report(fo, report);
    free(text);
    free(line);
    pthread_mutex_lock(&fo->lock);
    json_decref(fo->current);
    fo->current = NULL;
    fo->busy = fo->drill != NULL; /* a drill's leg ended: the drill goes on */
    pthread_mutex_unlock(&fo->lock);
}

/* Report ids are ours: digits, letters, '-'. Anything else is not one. */
static int id_ok(const char *id)
{
    if (!*id || strlen(id) > 100)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              *p == '-'))
            return 0;
    return 1;
}

json_t *fo_report_get(fo_t *fo, const char *id)
{
    if (!id_ok(id))
        return NULL;
    json_t *r = NULL;
    pthread_mutex_lock(&fo->lock);
    if (fo->current && strcmp(json_string_value(json_object_get(fo->current, "id")) ?: "", id) == 0)
        r = json_deep_copy(fo->current);
    if (fo->drill && strcmp(json_string_value(json_object_get(fo->drill, "id")) ?: "", id) == 0) {
        /* The drill as it stands: its legs so far and the running one. */
        r = json_deep_copy(fo->drill);
        if (fo->current &&
            strcmp(json_string_value(json_object_get(fo->current, "id")) ?: "", id) != 0)
            json_array_append_new(json_object_get(r, "legs"), json_deep_copy(fo->current));
    }
    pthread_mutex_unlock(&fo->lock);
    if (r)
        return r;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.json", fo->conf->report_dir, id);
    return json_load_file(path, 0, NULL);
}

static json_t *summary(json_t *r)
{
    json_t *s = json_object();
    static const char *const keys[] = {"id",         "kind",        "mode",   "dry_run", "outcome",
                                       "started_ms", "finished_ms", "rto_ms", "error"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(r, keys[i]);
        if (v)
            json_object_set(s, keys[i], v);
    }
    json_t *rpo = json_object_get(json_object_get(r, "rpo"), "records");
    if (rpo)
        json_object_set(s, "rpo_records", rpo);
    return s;
}

json_t *fo_report_list(fo_t *fo)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/" HISTORY, fo->conf->report_dir);
    json_t *list = json_array();
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (f && (n = getline(&line, &cap, f)) > 0) {
        json_t *r = json_loadb(line, (size_t)n, 0, NULL);
        if (json_is_object(r))
            json_array_append_new(list, summary(r));
        json_decref(r);
    }
    free(line);
    if (f)
        fclose(f);
    return list;
}

void fo__report_refused(fo_t *fo, const char *kind, const char *why, json_t *rpo)
{
    char id[128];
    if (fo__report_begin(fo, kind, id, sizeof(id)) < 0)
        return;
    int64_t now = xdc_wall_ms();
    json_t *r = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:O}", "id", id,
                          "kind", kind, "mode", "unplanned", "dry_run", 0, "from", "primary", "to",
                          "dr", "outcome", "refused", "error", why, "started_ms", (json_int_t)now,
                          "finished_ms", (json_int_t)now, "rpo", rpo);
    fo__report_end(fo, r);
    json_decref(r);
}

int fo__hold_set(fo_t *fo, const char *site, const char *report)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/" HOLD, fo->conf->report_dir);
    json_t *h = site ? json_pack("{s:s, s:s, s:I}", "site", site, "report", report, "since_ms",
                                 (json_int_t)xdc_wall_ms())
                     : NULL;
    int rc = 0;
    if (h) {
        char *text = json_dumps(h, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = write_file(fo->conf->report_dir, HOLD, text);
        free(text);
    } else if (unlink(path) < 0 && errno != ENOENT) {
        rc = -errno;
    }
    if (rc) {
        json_decref(h);
        return rc;
    }
    pthread_mutex_lock(&fo->lock);
    json_decref(fo->hold);
    fo->hold = h;
    pthread_mutex_unlock(&fo->lock);
    if (site)
        log_info("failover: %s stays fenced until a failback (report %s)", site, report);
    return 0;
}

json_t *fo__hold_get(fo_t *fo)
{
    pthread_mutex_lock(&fo->lock);
    json_t *h = fo->hold ? json_deep_copy(fo->hold) : NULL;
    pthread_mutex_unlock(&fo->lock);
    return h;
}

int fo__report_amend(fo_t *fo, const char *id, const char *key, json_t *value)
{
    json_t *r = fo_report_get(fo, id);
    if (!json_is_object(r)) {
        json_decref(r);
        return XDC_ENOTFOUND;
    }
    json_object_set(r, key, value);
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    char *text = json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = write_file(fo->conf->report_dir, name, text);
    free(text);
    json_decref(r);
    return rc;
}
