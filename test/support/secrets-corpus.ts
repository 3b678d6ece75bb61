/**
 * Secret-shaped text as it turns up in alerts, logs and questions: [kind, a text carrying it, the secret itself].
 * Real-looking samples (vendor documentation examples or random strings of the right shape; none is live). Used by
 * the scrubber's unit tests (test/unit/kernel/redact.test.ts) and the black-box test that sends it through every
 * source into Slack (test/integration/service/routing-blackbox.test.ts).
 */
export const SECRETS_CORPUS: ReadonlyArray<readonly [kind: string, text: string, secret: string]> = [
  ['aws_access_key', 'using key AKIAIOSFODNN7EXAMPLE for s3', 'AKIAIOSFODNN7EXAMPLE'],
  [
    'github_token',
    'git clone https://x:ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r',
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  ],
  [
    'github_token',
    'token gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 expired',
    'gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  ],
  [
    'github_token',
    'GH=github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV',
    'github_pat_11ABCDEFG0abcdefghijkl',
  ],
  ['slack_token', 'posting with xoxb-2048-1234567890-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-2048-1234567890'],
  ['slack_token', 'user token xoxp-1234567890-0987654321-1122334455-abcdef0123456789', 'xoxp-1234567890'],
  ['stripe_key', 'charge failed for sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  [
    'openai_key',
    'OpenAI error for sk-proj-Ab3dEf6hIj9kLmN0pQr2sTu4vWx6yZ8aBcDeFgHiJkLmN',
    'sk-proj-Ab3dEf6hIj9kLmN0pQr2sTu4vWx6yZ8a',
  ],
  ['google_api_key', 'maps?key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', 'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe'],
  ['datadog_key', 'dd_api_key=0123456789abcdef0123456789abcdef sent', '0123456789abcdef0123456789abcdef'],
  [
    'datadog_key',
    '{"DD-APPLICATION-KEY": "0123456789abcdef0123456789abcdef01234567"}',
    '0123456789abcdef0123456789abcdef01234567',
  ],
  [
    'jwt',
    'auth header eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  ],
  [
    'private_key',
    'key=-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nabc\n-----END RSA PRIVATE KEY----- loaded',
    'MIIEpAIBAAKCAQEA7bq',
  ],
  [
    'private_key',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (truncated',
    'b3BlbnNzaC1rZXktdjEAAAAA',
  ],
  ['password', 'connect postgres://app:s3cr3t-P4ss@db.internal:5432/shop failed', 's3cr3t-P4ss'],
  ['password', 'mongodb+srv://admin:hunter2hunter2@cluster0.ab1cd.mongodb.net/test', 'hunter2hunter2'],
  ['password', 'redis://:redispass123@cache:6379/0', 'redispass123'],
  ['secret', 'login failed password=Tr0ub4dor&3 user=bob', 'Tr0ub4dor'],
  ['secret', 'config {"client_secret": "abc def ghi", "x": 1}', 'abc def ghi'],
  ['secret', 'secret: hunter2', 'hunter2'],
  ['secret', 'DB_PASSWORD=pa55word', 'pa55word'],
  ['bearer_token', 'Authorization: Bearer abcDEF123456ghiJKL789', 'abcDEF123456ghiJKL789'],
  ['email', 'refund for jane.doe+shop@example.co.uk failed', 'jane.doe+shop@example.co.uk'],
  ['card_number', 'charge 4111 1111 1111 1111 declined', '4111 1111 1111 1111'],
  ['card_number', 'card=5500-0000-0000-0004', '5500-0000-0000-0004'],
  ['card_number', 'amex 378282246310005 ok', '378282246310005'],
  [
    'slack_webhook',
    'posting to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    'XXXXXXXXXXXXXXXXXXXXXXXX',
  ],
];
