import { useEffect, useState } from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import type { LucidPanelClient } from '../data/lucidClient';
import type { PublicKeyInfo } from '../data/lucidStoreTypes';
import { type SignatureCheck, SignatureState, verifyAlertSignature } from '../data/verifyAlertSignature';

/** The store's public keys, fetched once per client (undefined until known, empty when unavailable). */
export function usePublicKeys(client: LucidPanelClient | undefined, clientReady: boolean): PublicKeyInfo[] | undefined {
  const [keys, setKeys] = useState<PublicKeyInfo[] | undefined>();
  useEffect(() => {
    let live = true;
    if (!clientReady) {
      return;
    }
    if (!client?.publicKeys) {
      setKeys([]);
      return;
    }
    client.publicKeys().then(
      (k) => live && setKeys(k),
      () => live && setKeys([])
    );
    return () => {
      live = false;
    };
  }, [client, clientReady]);
  return keys;
}

/** Signature checks of the shown cards, by alert id (recomputed when an alert's signed body changes). */
export function useSignatureChecks(cards: readonly AlertCardModel[], keys: PublicKeyInfo[] | undefined): ReadonlyMap<string, SignatureCheck> {
  const [checks, setChecks] = useState<ReadonlyMap<string, SignatureCheck>>(new Map());
  const signatureKey = cards.map((c) => `${c.id}:${c.alert?.signature ?? c.signature ?? ''}:${c.alert?.status ?? ''}`).join('|');
  useEffect(() => {
    if (keys === undefined) {
      return;
    }
    let live = true;
    Promise.all(
      cards.map(async (c) => [c.id, c.alert ? await verifyAlertSignature(c.alert, keys) : { state: SignatureState.Unverified, reason: 'The query did not return the signed alert record.' }] as const)
    ).then((entries) => live && setChecks(new Map(entries)));
    return () => {
      live = false;
    };
    // cards change identity on every render; signatureKey captures what matters
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signatureKey, keys]);
  return checks;
}
