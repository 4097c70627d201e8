// Service worker for Herald Web Push notifications.
// Herald encrypts a JSON payload, which the browser decrypts: by default
//   {title, body, data, image, clickUrl, tag}
// or, with PayloadFormat.declarative (Safari 18.4+ shows those without running this worker),
//   {web_push: 8030, notification: {title, body, navigate, tag, image, data}}.
// data.herald_id is the notification's id, the same on every copy of it.
function read(event) {
  let message;
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    return {title: 'Notification', body: event.data ? event.data.text() : '', data: {}};
  }
  if (message.web_push === 8030 && message.notification) {
    const n = message.notification;
    return {title: n.title, body: n.body, data: n.data || {}, image: n.image, clickUrl: n.navigate, tag: n.tag};
  }
  return Object.assign({data: {}}, message);
}

// True the first time an id is seen. A repeat (the push service may deliver a message twice) must
// not run the app's side effects again; on screen it replaces the first copy through its tag.
async function firstTime(id) {
  if (!id) {
    return true;
  }
  const seen = await caches.open('herald-seen');
  const key = new Request('/herald-seen/' + encodeURIComponent(id));
  if (await seen.match(key)) {
    return false;
  }
  await seen.put(key, new Response(''));
  const keys = await seen.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - 200)).map(k => seen.delete(k)));
  return true;
}

// The app's side effect, once per notification: tell the open pages (e.g. to add it to an inbox).
async function tellOpenPages(message) {
  const pages = await clients.matchAll({type: 'window', includeUncontrolled: true});
  pages.forEach(page => page.postMessage({type: 'herald-notification', message}));
}

self.addEventListener('push', event => {
  const message = read(event);
  const options = {
    body: message.body || '',
    data: Object.assign({}, message.data, {clickUrl: message.clickUrl}),
    // The tag comes from the idempotency key (or the host's collapse key): a repeated send (the one
    // crash window Herald cannot close on the server) replaces the notification instead of adding one.
    tag: message.tag,
    renotify: false,
  };
  if (message.image) {
    options.image = message.image;
  }
  // Browsers require every push to show a notification, repeats included; only the side effects are skipped.
  event.waitUntil(Promise.all([
    self.registration.showNotification(message.title || 'Notification', options),
    firstTime(message.data.herald_id).then(first => first ? tellOpenPages(message) : undefined),
  ]));
});

self.addEventListener('notificationclick', event => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.clickUrl;
  if (url) {
    event.waitUntil(clients.openWindow(url));
  }
});

// The push service may rotate a subscription; hand the new one to the host so Herald's registry follows.
self.addEventListener('pushsubscriptionchange', event => {
  const subscribe = event.newSubscription
    ? Promise.resolve(event.newSubscription)
    : self.registration.pushManager.subscribe(event.oldSubscription.options);
  event.waitUntil(subscribe.then(subscription => fetch('/api/push-subscriptions', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(Object.assign(subscription.toJSON(),
        {replaces: event.oldSubscription ? event.oldSubscription.endpoint : null})),
  })));
});
