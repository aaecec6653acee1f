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

struct ots_rds_addr {
	char ra_path[OTS_RDS_PATH_MAX];		/* unix socket, "" when TCP */
	char ra_host[OTS_RDS_HOST_MAX];
	unsigned ra_port;
	char ra_password[OTS_RDS_SECRET_MAX];	/* "" for none */
	unsigned ra_db;
};

#endif
