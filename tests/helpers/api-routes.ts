import { type Area, areas } from '../../functions/api/handler';

/** Every route the API implements, with the area that has it (each area's module is required here, all of them). */
export function implementedRoutes(): { routeKey: string; area: Area }[] {
  return (Object.keys(areas) as Area[]).flatMap((area) =>
    Object.keys(areas[area]().routes).map((routeKey) => ({ routeKey, area })),
  );
}
