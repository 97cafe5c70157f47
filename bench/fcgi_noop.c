/* fcgi-noop: the smallest libfcgi responder (fixed JSON body), the benchmark's yardstick.
   Serves fd 0 (spawn-fcgi) with one thread per accept loop, like chat-worker does. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char kReply[] =
    "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}";

static void *serve(void *unused) {
  (void)unused;
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  while (FCGX_Accept_r(&request) == 0) {
    FCGX_PutStr(kReply, (int)strlen(kReply), request.out);
    FCGX_Finish_r(&request);
  }
  return NULL;
}

int main(void) {
  const char *threads_text = getenv("NOOP_THREADS");
  int threads = threads_text ? atoi(threads_text) : 8;
  if (threads < 1) threads = 1;
  FCGX_Init();
  pthread_t ids[256];
  if (threads > 256) threads = 256;
  for (int i = 0; i < threads; ++i) pthread_create(&ids[i], NULL, serve, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(ids[i], NULL);
  return 0;
}
