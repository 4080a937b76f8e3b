// PostgreSQL's own client library, from the system (Debian's libpq-dev): the hub's store.
#include <libpq-fe.h>
