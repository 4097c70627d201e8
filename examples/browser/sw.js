// Service worker for Herald Web Push notifications.
// Herald encrypts a JSON payload {title, body, data, image, clickUrl, tag}; the browser decrypts it.
self.addEventListener('push', event => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    message = {title: 'Notification', body: event.data ? event.data.text() : ''};
  }
  const options = {
    body: message.body || '',
    data: Object.assign({}, message.data, {clickUrl: message.clickUrl}),
    // The tag comes from the idempotency key: a repeated send (the one crash window Herald cannot
    // close on the server) replaces the notification instead of showing it twice.
    tag: message.tag,
    renotify: false,
  };
  if (message.image) {
    options.image = message.image;
  }
  event.waitUntil(self.registration.showNotification(message.title || 'Notification', options));
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
