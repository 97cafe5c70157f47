/* fcgi-noop: the smallest libfcgi responder (fixed JSON body), the benchmark's yardstick.
   Serves fd 0 (spawn-fcgi) with one thread per accept loop, like chat-worker does.
   NOOP_THREADS: accept loops (8). NOOP_BODY_BYTES: pad the body to about this size, to measure
   what nginx and libfcgi alone cost for a response as big as a real one. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char kHeaders[] = "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n";
static char *reply;
static int reply_length;

/* {"status":"ok"}, or {"status":"ok","padding":"xxx..."} of about body_bytes bytes. */
static void make_reply(long body_bytes) {
  const char *open = "{\"status\":\"ok\"";
  const char *pad_open = ",\"padding\":\"";
  long padding = body_bytes - (long)(strlen(open) + strlen(pad_open) + 3);
  if (padding < 0) padding = 0;
  reply = malloc(strlen(kHeaders) + strlen(open) + strlen(pad_open) + (size_t)padding + 8);
  strcpy(reply, kHeaders);
  strcat(reply, open);
  if (padding > 0) {
    strcat(reply, pad_open);
    size_t end = strlen(reply);
    memset(reply + end, 'x', (size_t)padding);
    strcpy(reply + end + padding, "\"");
  }
  strcat(reply, "}");
  reply_length = (int)strlen(reply);
}

static void *serve(void *unused) {
  (void)unused;
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  while (FCGX_Accept_r(&request) == 0) {
    FCGX_PutStr(reply, reply_length, request.out);
    FCGX_Finish_r(&request);
  }
  return NULL;
}

int main(void) {
  const char *threads_text = getenv("NOOP_THREADS");
  int threads = threads_text ? atoi(threads_text) : 8;
  if (threads < 1) threads = 1;
  const char *body_text = getenv("NOOP_BODY_BYTES");
  make_reply(body_text ? atol(body_text) : 0);
  FCGX_Init();
  pthread_t ids[256];
  if (threads > 256) threads = 256;
  for (int i = 0; i < threads; ++i) pthread_create(&ids[i], NULL, serve, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(ids[i], NULL);
  return 0;
}
