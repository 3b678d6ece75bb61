/** Small incident stories over hand-built trees, shared by the role and property tests. */
import { jitter, story, type Node } from './builders.js';

export function cacheFallback(seed = 1): ReturnType<typeof story> {
  return story(
    (phase, r) => {
      const broken = phase === 'inc';
      const catalogKids: Node[] = [
        {
          svc: 'catalog-cache',
          op: 'GET product',
          work: jitter(r, 1),
          ...(broken ? { exception: 'SerializationException: cannot deserialize' } : {}),
        },
      ];
      if (broken) catalogKids.push({ svc: 'database', op: 'SELECT products', work: jitter(r, 60) });
      return {
        svc: 'search',
        op: 'GET /search',
        work: jitter(r, 4),
        children: [
          { svc: 'catalog', op: 'GetProducts', work: jitter(r, 3), children: catalogKids },
          { svc: 'ranking', op: 'Rank', work: jitter(r, 5) },
        ],
      };
    },
    { seed },
  );
}

export function networkDelay(seed = 2): ReturnType<typeof story> {
  return story(
    (phase, r) => ({
      svc: 'frontend',
      op: 'GET /checkout',
      work: jitter(r, 5),
      children: [
        {
          svc: 'checkout',
          op: 'PlaceOrder',
          work: jitter(r, 4),
          net: phase === 'inc' ? jitter(r, 400) : jitter(r, 1),
          children: [{ svc: 'payment', op: 'Charge', work: jitter(r, 3) }],
        },
        { svc: 'cart', op: 'GetCart', work: jitter(r, 3) },
      ],
    }),
    { seed },
  );
}

export function cpuSaturation(seed = 3): ReturnType<typeof story> {
  return story(
    (phase, r) => ({
      svc: 'frontend',
      op: 'GET /quote',
      work: jitter(r, 5),
      children: [
        {
          svc: 'checkout',
          op: 'Quote',
          work: jitter(r, 3),
          children: [{ svc: 'shipping', op: 'GetQuote', work: phase === 'inc' ? jitter(r, 80, 0.3) : jitter(r, 2) }],
        },
        { svc: 'cart', op: 'GetCart', work: jitter(r, 3) },
      ],
    }),
    { seed },
  );
}

/** Every service slower in proportion to load, three times the traffic, no error, no single defect. */
export function trafficSurge(seed = 4): ReturnType<typeof story> {
  const base = story((_p, r) => tree(r, 1), { seed, n: 40, nInc: 0, everyMs: 1000 });
  const inc = story((_p, r) => tree(r, 1.8), { seed: seed + 1, n: 0, nInc: 120, everyMs: 1000 / 3 });
  const shifted = inc.spans.map((s) => ({
    ...s,
    traceId: `u${s.traceId.slice(1)}`,
    start: s.start + 40_000n * 1_000_000n,
  }));
  return { spans: [...base.spans, ...shifted], baseMs: [0, 40_000], incMs: [40_000, 80_000] };
  function tree(r: () => number, f: number): Node {
    return {
      svc: 'frontend',
      op: 'GET /',
      work: jitter(r, 5 * f, 0.3),
      children: [
        {
          svc: 'catalog',
          op: 'List',
          work: jitter(r, 6 * f, 0.3),
          children: [{ svc: 'database', op: 'SELECT', work: jitter(r, 8 * f, 0.3) }],
        },
        { svc: 'cart', op: 'GetCart', work: jitter(r, 4 * f, 0.3) },
        { svc: 'ads', op: 'GetAds', work: jitter(r, 4 * f, 0.3) },
      ],
    };
  }
}

export function twoFaults(seed = 5): ReturnType<typeof story> {
  return story(
    (phase, r) => ({
      svc: 'gateway',
      op: 'GET /order',
      work: jitter(r, 4),
      children: [
        {
          svc: 'orders',
          op: 'Create',
          work: jitter(r, 3),
          children: [
            {
              svc: 'inventory',
              op: 'Reserve',
              work: jitter(r, 3),
              ...(phase === 'inc' ? { exception: 'IllegalStateException: negative stock' } : {}),
            },
          ],
        },
        { svc: 'pricing', op: 'Quote', work: phase === 'inc' ? jitter(r, 90, 0.2) : jitter(r, 3) },
      ],
    }),
    { seed },
  );
}
