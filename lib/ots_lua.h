/*
 * ots_lua: the Redis Lua scripts of lib/lua/, embedded at build time by
 * tools/embed-lua.  Each ots_lua_NAME is NUL-terminated; _len excludes it.
 */
#ifndef OTS_LUA_H
#define OTS_LUA_H

extern const char ots_lua_busy[];
extern const unsigned long ots_lua_busy_len;
extern const char ots_lua_claim[];
extern const unsigned long ots_lua_claim_len;
extern const char ots_lua_guess[];
extern const unsigned long ots_lua_guess_len;
extern const char ots_lua_lease[];
extern const unsigned long ots_lua_lease_len;
extern const char ots_lua_metrics[];
extern const unsigned long ots_lua_metrics_len;
extern const char ots_lua_peek[];
extern const unsigned long ots_lua_peek_len;
extern const char ots_lua_ratelimit[];
extern const unsigned long ots_lua_ratelimit_len;
extern const char ots_lua_register[];
extern const unsigned long ots_lua_register_len;
extern const char ots_lua_revoke[];
extern const unsigned long ots_lua_revoke_len;
extern const char ots_lua_status[];
extern const unsigned long ots_lua_status_len;
extern const char ots_lua_upcommit[];
extern const unsigned long ots_lua_upcommit_len;
extern const char ots_lua_upcreate[];
extern const unsigned long ots_lua_upcreate_len;
extern const char ots_lua_uppart[];
extern const unsigned long ots_lua_uppart_len;
extern const char ots_lua_unlock[];
extern const unsigned long ots_lua_unlock_len;

#endif
