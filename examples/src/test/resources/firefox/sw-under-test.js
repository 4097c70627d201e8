// The test's service worker: runs the example service worker (examples/browser/sw.js, served
// unchanged at /example/sw.js) and reports to the test's server every push event it handles, with
// what the push carried and the notifications shown once the example's handler has finished.
const addEventListener = self.addEventListener.bind(self);
self.addEventListener = (type, listener, options) => {
  if (type !== 'push') {
    return addEventListener(type, listener, options);
  }
  return addEventListener('push', event => {
    const handling = [];
    const waitUntil = event.waitUntil.bind(event);
    event.waitUntil = promise => {
      handling.push(promise);
      waitUntil(promise);
    };
    const text = event.data ? event.data.text() : null;
    listener(event);
    waitUntil(Promise.allSettled(handling)
        .then(results => self.registration.getNotifications().then(shown => fetch('/report', {
          method: 'POST',
          headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({
            type: 'push',
            text,
            failures: results.filter(r => r.status === 'rejected').map(r => String(r.reason)),
            notifications: shown.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data})),
          }),
        }))));
  }, options);
};
importScripts('/example/sw.js');
self.addEventListener = addEventListener;
