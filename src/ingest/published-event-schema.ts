// What an application's event may hold, as POST /events and the JetStream intake both take it: Eventhook's own
// event form, strict, and a CloudEvent in structured mode, which may add extension attributes.
import { Type } from '@sinclair/typebox';

/** CloudEvents attribute names are lower-case letters and digits (spec 1.0, §3.1.1); data_base64 is its own. */
export const CLOUD_EVENT_ATTRIBUTE_NAME = /^(?:[a-z0-9]+|data_base64)$/;
/** CLOUD_EVENT_ATTRIBUTE_NAME in words, for the message that refuses another name. */
export const CLOUD_EVENT_ATTRIBUTE_NAME_RULE = 'extension attribute names are lower-case letters and digits';

// The attributes' values (type required, lengths, reserved sources) and the batch size are checked by the publish
// service, which the JetStream intake shares, with its own messages (EH_EVENT_INVALID: "/source: must be a string of
// at most 256 characters"); these schemas name the fields a body may have, so that a misspelt one ({"dtaa": …}) is
// refused rather than its value silently dropped.
const attribute = (description: string) => Type.Optional(Type.Unknown({ description }));
const EVENT_ATTRIBUTES = {
  type: attribute('Required: a string of 1–256 characters, e.g. order.created.'),
  source: attribute('A string of at most 256 characters; stored as app:<source> (default app:default).'),
  subject: attribute('A string of at most 1024 characters, e.g. an order id.'),
  data: attribute(
    'Any JSON value: the event’s payload. Its numbers must fit a 64-bit float: 1e400 is refused, not stored as null.',
  ),
  id: attribute('Your id for the event, 1–256 characters: a repeat within the dedup window is a duplicate.'),
  datacontenttype: attribute('A string of at most 256 characters.'),
  correlationid: attribute('A string of at most 256 characters.'),
  traceparent: attribute(
    'A W3C traceparent; without it, the request’s traceparent header is the event’s parent.',
  ),
};
/** CloudEvents' own attributes: Eventhook reads data_base64, sets time itself, and needs none of the others. */
const CLOUD_EVENT_ATTRIBUTES = {
  specversion: attribute('CloudEvents: "1.0".'),
  time: attribute('CloudEvents: ignored; an event’s time is when Eventhook received it.'),
  dataschema: attribute('CloudEvents: ignored.'),
  data_base64: attribute('CloudEvents: binary data, stored as its base64 text when data is absent.'),
};
export const PublishedEventIn = Type.Object(
  { ...EVENT_ATTRIBUTES, ...CLOUD_EVENT_ATTRIBUTES },
  {
    additionalProperties: false,
    description:
      'An event. CloudEvents attributes are accepted too, so a CloudEvent posted as application/json is read; ' +
      'its extension attributes need application/cloudevents+json.',
  },
);
export const CloudEventIn = Type.Object(
  { ...CLOUD_EVENT_ATTRIBUTES, ...EVENT_ATTRIBUTES },
  {
    additionalProperties: Type.Unknown({ description: 'A CloudEvents extension attribute (not kept).' }),
    propertyNames: {
      pattern: CLOUD_EVENT_ATTRIBUTE_NAME.source,
      description: CLOUD_EVENT_ATTRIBUTE_NAME_RULE,
    },
    description: 'A CloudEvent in structured mode.',
  },
);
