/*
 * get: fetching a share with its link.  An end-to-end share is claimed
 * with the proofs derived from the key (never the key itself), decrypted
 * here as it arrives, resumed within its lease when the download breaks
 * off, and confirmed once saved; a server-side share (plain.c) is
 * claimed with its key, as the server decrypts it.
 */
#ifndef OTSC_GET_H
#define OTSC_GET_H

#include "api.h"
#include "otsc.h"

enum otsc_exit get_share(const struct opts *o, const char *link);

#endif
