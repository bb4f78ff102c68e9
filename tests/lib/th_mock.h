#ifndef XDC_TESTS_LIB_TH_MOCK_H
#define XDC_TESTS_LIB_TH_MOCK_H

/* Start and stop a librdkafka mock cluster for integration tests:
 * bench/mock_cluster (rd_kafka_mock_cluster_new() in a process of its own,
 * one broker on 127.0.0.1), found as $XDC_BIN_DIR/../bench/mock_cluster.
 *
 * The mock (librdkafka 2.0.2) serves no CreateTopics, CreatePartitions,
 * DescribeConfigs or AlterConfigs, so every topic a test or the mirror
 * needs is created when the cluster starts; a topic that a client asks
 * Metadata for and that does not exist is auto-created with 4 partitions.
 * It keeps its records in memory (at most 5 MB per partition, the oldest
 * batches go first): they are gone once it stops. */

#include "tests/lib/th.h"

typedef struct th_mock {
    th_proc_t *proc;    /* NULL while stopped */
    char bootstrap[64]; /* "127.0.0.1:<port>" */
} th_mock_t;

/** Start a mock cluster holding @p topics, each "<name>:<partitions>"
 *  (NULL-terminated, at most 64, may be NULL), with its output appended to
 *  @p log_path (NULL: a temporary file), and wait for its bootstrap
 *  address. The process is registered with the harness, so th_cleanup()
 *  kills it by PID when a test fails. Fails the test when it cannot start.
 *  @param topics, log_path borrowed. */
void th_mock_start(th_mock_t *m, const char *const *topics, const char *log_path);

/** Stop with SIGTERM, SIGKILL after 10 s (scaled); does nothing when
 *  stopped.  @return the exit status (see th.h), 0 when not running. */
int th_mock_stop(th_mock_t *m);

#endif
