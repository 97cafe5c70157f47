// Must compile: the control for the probes beside it, built the same way, so a probe fails for
// the header it names and not for the way it is built.
#include "admin_api.h"
#include "http/http.h"
