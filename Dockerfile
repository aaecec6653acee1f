# OneTimeShare images, all on Debian 12 slim.
#   docker build --target app .   the FastCGI workers (spawn-fcgi)
#   docker build --target web .   nginx with the site config and web UI
# docker-compose.yml builds and wires both, plus Redis.

FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends make gcc libc6-dev \
	libfcgi-dev libhiredis-dev libsodium-dev libargon2-dev \
	libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY GNUmakefile VERSION ./
COPY lib lib
COPY fcgi-app fcgi-app
COPY tools tools
RUN make MODE=release WERROR=1 app

# The web UI's libraries (the QR code, libsodium.js), from npm as pinned in
# www/package-lock.json, vendored by the same make rule as on a host.
FROM debian:12-slim AS www
RUN apt-get update \
 && apt-get install -y --no-install-recommends make nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY GNUmakefile VERSION ./
COPY www www
RUN make www

FROM debian:12-slim AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends spawn-fcgi libfcgi0ldbl \
	libhiredis0.14 libsodium23 libargon2-1 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 990 ots-socket \
 && useradd --system --uid 991 --gid ots-socket --home-dir /var/lib/onetimeshare \
	--shell /usr/sbin/nologin onetimeshare \
 && install -d -o onetimeshare -g ots-socket -m 2710 /var/lib/onetimeshare \
 && install -d -o onetimeshare -g ots-socket -m 0750 /run/onetimeshare
COPY --from=build /src/build/release/onetimeshare-fcgi /usr/local/sbin/
USER onetimeshare
# Setgid ots-socket, searchable by that group only: the web container
# (www-data is in ots-socket) mounts it read-only and can read nothing but
# the leased files of end-to-end claims (ots-lease/, docs/E2E.md).
VOLUME ["/var/lib/onetimeshare"]
# The same start command as `make run`: spawn-fcgi binds the socket and
# execs the worker in place.  The socket's group lets nginx connect.
CMD ["/usr/bin/spawn-fcgi", "-n", "-s", "/run/onetimeshare/fcgi-1.sock", \
	"-M", "0660", "--", "/usr/local/sbin/onetimeshare-fcgi"]

FROM debian:12-slim AS web
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 990 ots-socket \
 && usermod -a -G ots-socket www-data \
 && rm -f /etc/nginx/sites-enabled/default
COPY nginx-conf/onetimeshare-http.conf nginx-conf/onetimeshare-server.conf \
	nginx-conf/ots-*.conf /etc/nginx/
COPY nginx-conf/docker.conf /etc/nginx/nginx.conf
COPY --from=www /src/www /usr/share/onetimeshare/www
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
