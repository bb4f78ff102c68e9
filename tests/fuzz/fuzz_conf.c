/* Fuzz target: properties parsing and table-driven loading of arbitrary
 * text against the broker's table (every error path must be clean). */
#include "broker/broker.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    conf_entries_t es;
    char err[512];
    brk_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    conf_entries_init(&es);
    if (conf_props_parse((const char *)data, size, "fuzz", &es, err, sizeof(err)) == 0)
        conf_apply(&brk_conf_table, &es, &conf, err, sizeof(err));
    conf_free(&brk_conf_table, &conf);
    conf_entries_close(&es);
    return 0;
}
