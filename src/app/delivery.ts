// Outbound delivery: the address policy, the one sender, the live endpoints and the endpoint service.
import { SUBJECTS, type EndpointAnnouncement } from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secret-box.js';
import { EndpointService, HttpSender, LiveEndpoints, type AddressPolicy } from '../delivery/index.js';
import type { Store } from '../store/port.js';
import type { Announce } from './bus.js';

export interface DeliveryDeps {
  config: Config;
  store: Store;
  box: SecretBox;
  clock: Clock;
  announce: Announce;
  /** Wakes this process's action worker (its loop is made later, with the other workers). */
  kickActions: () => void;
  addressPolicy: AddressPolicy;
}

export interface Delivery {
  addressPolicy: AddressPolicy;
  httpSender: HttpSender;
  liveEndpoints: LiveEndpoints;
  endpoints: EndpointService;
}

export function buildDelivery(deps: DeliveryDeps): Delivery {
  const { config, store, box, clock, announce, kickActions, addressPolicy } = deps;
  // One SSRF-guarded sender (a connection pool per origin) shared by every endpoint.
  const httpSender = new HttpSender({ policy: addressPolicy });
  const liveEndpoints = new LiveEndpoints(
    store,
    box,
    clock,
    { failureThreshold: config.breakerThreshold, disableAfterMs: config.endpointDisableAfterMs },
    config.deliveryTimeoutMs,
  );
  const endpoints = new EndpointService(
    store,
    box,
    clock,
    addressPolicy,
    { timeoutMs: config.deliveryTimeoutMs },
    (org, slug) => liveEndpoints.invalidate(org, slug),
    (org, slug, woken) => {
      if (woken > 0) kickActions();
      // Workers in other processes hear it on the bus; without it they would notice at their next sweep.
      announce<EndpointAnnouncement>(SUBJECTS.endpointChanged(org, slug), { org, slug, woken });
    },
  );
  return { addressPolicy, httpSender, liveEndpoints, endpoints };
}
