// A real OpenID provider on loopback for the single sign-on tests: node-oidc-provider, one
// issuer per name given ("microsoft", "google"), each on its own free port of 127.0.0.1.
//
// Started by tests/support/oidc.py with a JSON configuration as its one argument:
//   {"issuers": {"microsoft": {"client_id": ..., "client_secret": ..., "jwks": {"keys": [...]}}}}
// (the tests make the signing keys, so they can also sign tokens of their own with them).
// Prints one line of JSON, {"microsoft": "http://127.0.0.1:PORT", ...}, once every issuer
// listens. The accounts and their claims are the tests' to choose, at any time, with
//   PUT /test/accounts  {"<login>": {"sub": ..., "oid": ..., "tid": ..., "email": ...}}
// The sign-in page is oidc-provider's development login form: any password is accepted for
// a login named in the accounts. Consent is granted without asking, as a school's own
// registered app is.
import http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
// The client is native only to come back to any loopback port; it is the school's own app, so
// no consent screen for it (oidc-provider asks native clients each time by default).
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');
const accounts = {};

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try { resolve(JSON.parse(body || '{}')); } catch (error) { reject(error); }
    });
    req.on('error', reject);
  });
}

async function startIssuer(name, settings) {
  const server = http.createServer();
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: settings.client_id,
      client_secret: settings.client_secret,
      // A native client may come back to any port of loopback (RFC 8252): each test's app
      // listens on a free one.
      application_type: 'native',
      redirect_uris: [`http://127.0.0.1/login/${name}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: settings.jwks,
    interactions: { policy },
    cookies: { keys: ['oidc-test-cookie-key-not-secret'] },
    claims: {
      openid: ['sub', 'oid', 'tid', 'hd', 'idp'],
      email: ['email', 'email_verified', 'xms_edov'],
      profile: ['name', 'preferred_username'],
    },
    // The claims go in the ID token itself, as Microsoft and Google put them.
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      const claims = accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url === '/test/accounts' && req.method === 'PUT') {
      try {
        Object.assign(accounts, await readJson(req));
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
      return;
    }
    callback(req, res);
  });
  return [name, issuer, server];
}

const started = await Promise.all(
  Object.entries(config.issuers).map(([name, settings]) => startIssuer(name, settings)),
);
process.stdout.write(`${JSON.stringify(Object.fromEntries(started.map(([n, i]) => [n, i])))}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const [, , server] of started) server.close();
    process.exit(0);
  });
}
