/* Replays a fuzz target's corpus under gcc, so `make test` runs every input
 * in tests/fuzz/<target>.in/ and tests/fuzz/<target>.repro/ (crashes fixed
 * once stay fixed). `make fuzz` links the same targets with libFuzzer
 * instead. Arguments, when given, are the files to replay. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;
    uint8_t chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            data = realloc(data, cap);
            if (!data)
                abort();
        }
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data ? data : (const uint8_t *)"", len);
    free(data);
    return 0;
}

static int replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* a target need not have a .repro directory yet */
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (replay_file(path) < 0)
            rc = -1;
        else
            (*count)++;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0, rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= replay_file(argv[i]) < 0 ? 1 : (count++, 0);
    } else {
        /* build/tests/fuzz/fuzz_conf -> tests/fuzz/fuzz_conf.in, .repro */
        const char *name = strrchr(argv[0], '/');
        name = name ? name + 1 : argv[0];
        const char *src = getenv("XDC_SRC_DIR");
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s.in", src ? src : ".", name);
        rc |= replay_dir(dir, &count) < 0;
        snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s.repro", src ? src : ".", name);
        rc |= replay_dir(dir, &count) < 0;
    }
    if (count == 0) {
        fprintf(stderr, "replay: no inputs found for %s\n", argv[0]);
        return 1;
    }
    /* The same summary line as cmocka, so the test runner counts inputs. */
    printf("[  PASSED  ] %d test(s).\n", count);
    return rc;
}
