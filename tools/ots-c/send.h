/*
 * send: end-to-end shares made here (docs/E2E.md): the container, the
 * keys and the sealed name come from libots, the code the server and the
 * browser's cross-checked JavaScript use, and the server only ever sees
 * ciphertext and checks.  A container up to the server's part size goes
 * in one PUT; a larger one in parts, each retried on a transient error,
 * and an upload cut off (killed, lost) continues with --resume.
 */
#ifndef OTSC_SEND_H
#define OTSC_SEND_H

#include "api.h"
#include "otsc.h"

/* Sends the file at path ("-": standard input) and prints its link. */
enum otsc_exit send_e2e(const struct opts *o, const struct server *sv,
    const char *path);

#endif
