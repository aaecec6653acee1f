/*
 * owner: what the sender and the operator do after the upload: a
 * share's receipt and its revocation with the owner link, and the admin
 * API's listing and revocation with the admin token.
 */
#ifndef OTSC_OWNER_H
#define OTSC_OWNER_H

#include "otsc.h"

enum otsc_exit owner_status(const struct opts *o, const char *owner_link);
enum otsc_exit owner_revoke(const struct opts *o, const char *owner_link);

enum otsc_exit admin_list(const struct opts *o, const char *token);
enum otsc_exit admin_revoke(const struct opts *o, const char *token,
    const char *prefix);

#endif
