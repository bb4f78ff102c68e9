/* bench/mock_cluster: librdkafka's mock cluster in a process of its own,
 * the baseline of `make bench-broker` and the clusters of the mirror's
 * mock integration tests. Running it apart from the benchmark's clients
 * lets the benchmark read its CPU time from /proc/<pid>/stat exactly as
 * it reads xdc-broker's.
 *
 *   mock_cluster [--brokers N] [--partitions N] [--topic NAME[:PARTITIONS]]...
 *
 * Each --topic creates a topic (replication factor 1) before the cluster
 * is announced, with PARTITIONS partitions, or --partitions (default 1)
 * when the name has no ":PARTITIONS". The mock serves no CreateTopics, so
 * this is how a client gets a topic with a given partition count; a topic
 * a client asks Metadata for that does not exist is auto-created with 4.
 *
 * Prints "BOOTSTRAP <host:port,...>" on stdout once the cluster listens,
 * then runs until SIGTERM or SIGINT. The mock keeps every record in
 * memory; it never touches disk. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOPICS 64

static void usage(void)
{
    fprintf(stderr, "usage: mock_cluster [--brokers N] [--partitions N] "
                    "[--topic NAME[:PARTITIONS]]...\n");
    exit(2);
}

/* @return a count in 1..100000 parsed from all of @p s; exits on anything else. */
static int count_arg(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || *end || n < 1 || n > 100000)
        usage();
    return (int)n;
}

/* Create "NAME" or "NAME:PARTITIONS".  @return 0, or 1 with a message. */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *arg, int partitions)
{
    char name[256];
    const char *colon = strrchr(arg, ':');
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
    if (len == 0 || len >= sizeof(name))
        usage();
    memcpy(name, arg, len);
    name[len] = '\0';
    if (colon)
        partitions = count_arg(colon + 1);
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, partitions, 1);
    if (e) {
        fprintf(stderr, "mock_cluster: topic %s: %s\n", name, rd_kafka_err2str(e));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int brokers = 1, partitions = 1, ntopics = 0;
    const char *topics[MAX_TOPICS];
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--brokers"))
            brokers = count_arg(argv[++i]);
        else if (!strcmp(argv[i], "--topic") && ntopics < MAX_TOPICS)
            topics[ntopics++] = argv[++i];
        else if (!strcmp(argv[i], "--partitions"))
            partitions = count_arg(argv[++i]);
        else
            usage();
    }
    /* Block the stop signals before librdkafka starts its threads, so
     * they inherit the mask and sigwait() below receives the signal. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "mock_cluster: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < ntopics && !rc; i++)
        rc = create_topic(mc, topics[i], partitions);
    if (!rc) {
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        int sig = 0;
        sigwait(&stop, &sig);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
