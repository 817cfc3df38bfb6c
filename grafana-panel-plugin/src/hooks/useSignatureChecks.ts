import { useEffect, useState } from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import type { LucidPanelClient } from '../data/lucidClient';
import type { PublicKeyInfo } from '../data/lucidStoreTypes';
import { type SignatureCheck, SignatureState, verifyAlertSignature } from '../data/verifyAlertSignature';

/** The store's public keys, fetched once per client (undefined until known, empty when unavailable). */
export function usePublicKeys(client: LucidPanelClient | undefined, clientReady: boolean): PublicKeyInfo[] | undefined {
  const [fetched, setFetched] = useState<{ client: LucidPanelClient; keys: PublicKeyInfo[] } | undefined>();
  useEffect(() => {
    if (!clientReady || !client?.publicKeys) {
      return;
    }
    let live = true;
    client.publicKeys().then(
      (keys) => live && setFetched({ client, keys }),
      () => live && setFetched({ client, keys: [] })
    );
    return () => {
      live = false;
    };
  }, [client, clientReady]);
  if (!clientReady) {
    return undefined;
  }
  if (!client?.publicKeys) {
    return [];
  }
  return fetched?.client === client ? fetched.keys : undefined;
}

/** Signature checks of the shown cards, by alert id (recomputed when the cards or the keys change; pass memoized cards). */
export function useSignatureChecks(
  cards: readonly AlertCardModel[],
  keys: PublicKeyInfo[] | undefined
): ReadonlyMap<string, SignatureCheck> {
  const [checks, setChecks] = useState<ReadonlyMap<string, SignatureCheck>>(new Map());
  useEffect(() => {
    if (keys === undefined) {
      return;
    }
    let live = true;
    Promise.all(
      cards.map(
        async (c) =>
          [
            c.id,
            c.alert
              ? await verifyAlertSignature(c.alert, keys)
              : { state: SignatureState.Unverified, reason: 'The query did not return the signed alert record.' },
          ] as const
      )
    ).then((entries) => live && setChecks(new Map(entries)));
    return () => {
      live = false;
    };
  }, [cards, keys]);
  return checks;
}
