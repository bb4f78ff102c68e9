/* bench/mock_cluster: librdkafka's mock cluster in a process of its own,
 * the baseline of `make bench-broker`. Running it apart from the
 * benchmark's clients lets the benchmark read its CPU time from
 * /proc/<pid>/stat exactly as it reads xdc-broker's.
 *
 *   mock_cluster [--brokers N] [--topic NAME --partitions N]
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

static void usage(void)
{
    fprintf(stderr, "usage: mock_cluster [--brokers N] [--topic NAME --partitions N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int brokers = 1, partitions = 1;
    const char *topic = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--brokers"))
            brokers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--topic"))
            topic = argv[++i];
        else if (!strcmp(argv[i], "--partitions"))
            partitions = atoi(argv[++i]);
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
    if (topic) {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topic, partitions, 1);
        if (e) {
            fprintf(stderr, "mock_cluster: topic %s: %s\n", topic, rd_kafka_err2str(e));
            return 1;
        }
    }
    printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
