import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import { defaultTopic, type MqttPointSource } from './mqtt-schema.js';

export interface RouteField {
  pointId: string;
  type: PointDef['type'];
  /** Keys into the JSON object; empty = the whole payload. */
  path: string[];
}

/** What one topic carries: the device that publishes it and the points in its payload. */
export interface TopicRoute {
  topic: string;
  deviceId: string;
  fields: RouteField[];
  /** True when a point takes the whole payload: a bare value is allowed. */
  bare: boolean;
}

/** Compile the site's MQTT points into topic → route, once at start. */
export function buildTopicRoutes(site: SiteModel): Map<string, TopicRoute> {
  const routes = new Map<string, TopicRoute>();
  for (const point of site.points) {
    if (point.protocol !== 'mqtt' || !point.deviceId || point.kind === 'command') continue;
    const src = point.config as MqttPointSource;
    if (src.metric) continue; // a Sparkplug metric: sparkplug-nodes.ts
    const topic = src.topic ?? defaultTopic(site.site.id, point.assetId);
    let route = routes.get(topic);
    if (!route) {
      route = { topic, deviceId: point.deviceId, fields: [], bare: false };
      routes.set(topic, route);
    }
    const path = !src.path ? [point.name] : src.path === '$' ? [] : src.path.split('.');
    if (path.length === 0) route.bare = true;
    route.fields.push({ pointId: point.id, type: point.type, path });
  }
  return routes;
}
