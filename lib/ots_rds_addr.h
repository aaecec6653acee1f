/*
 * Where a Redis listens and how to log in: what the config parses
 * (ots_cfg) and a connection uses (ots_rds), in a header of its own so
 * that neither needs the other (and the config needs no hiredis).
 */
#ifndef OTS_RDS_ADDR_H
#define OTS_RDS_ADDR_H

#define OTS_RDS_PATH_MAX 512
#define OTS_RDS_HOST_MAX 256
#define OTS_RDS_SECRET_MAX 256
#define OTS_RDS_SENTINELS_MAX 8
#define OTS_RDS_SEEDS_MAX 8
#define OTS_RDS_NAME_MAX 128

struct ots_rds_node {
	char rn_host[OTS_RDS_HOST_MAX];
	unsigned rn_port;
};

/*
 * One of three: one Redis (ra_path, or ra_host and ra_port); with
 * ra_nsentinels > 0, the primary that the sentinels name ra_master,
 * asked for on every connect and checked with ROLE; with ra_ncluster >
 * 0, a Redis Cluster that the seeds (any of its nodes) describe with
 * CLUSTER SLOTS (ra_db 0).  ra_path and ra_host are unused in the last
 * two.
 */
struct ots_rds_addr {
	char ra_path[OTS_RDS_PATH_MAX];		/* unix socket, "" when TCP */
	char ra_host[OTS_RDS_HOST_MAX];
	unsigned ra_port;
	char ra_password[OTS_RDS_SECRET_MAX];	/* "" for none */
	unsigned ra_db;
	struct ots_rds_node ra_sentinels[OTS_RDS_SENTINELS_MAX];
	unsigned ra_nsentinels;
	char ra_master[OTS_RDS_NAME_MAX];
	char ra_sentinel_password[OTS_RDS_SECRET_MAX];	/* "" for none */
	struct ots_rds_node ra_cluster[OTS_RDS_SEEDS_MAX];
	unsigned ra_ncluster;
	/* After a write that an answer promises (an upload registered, a
	 * share claimed): WAIT for this many replicas, at most ra_wait_ms
	 * (0: no WAIT). */
	unsigned ra_wait_replicas;
	unsigned ra_wait_ms;
};

#endif
