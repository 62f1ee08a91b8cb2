import { areaOf } from '../../../../functions/api/handler';
import { implementedRoutes } from '../../../helpers/api-routes';

// The API requires an area's routes on the first request for it (issue 17, item 7): the router must send each route
// to the one area that has it, or the route would be a 404.
describe('the API router', () => {
  it('sends every route to the area that implements it', () => {
    // Prepare
    const routes = implementedRoutes();

    // Act
    const misrouted = routes.filter(({ routeKey, area }) => areaOf(routeKey) !== area);

    // Assess
    expect(routes.length).toBeGreaterThan(20);
    expect(misrouted).toEqual([]);
  });

  it('has each route in one area only', () => {
    // Act
    const keys = implementedRoutes().map((r) => r.routeKey);

    // Assess
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([
    ['GET /nowhere', 'openapi'],
    ['GET /constructor', 'openapi'],
    ['POST /clusters/{name}/nodegroups/{ng}/anything', 'scaling'],
  ])('sends %s, which no area has, to the %s area (its answer is a 404)', (routeKey, area) => {
    // Act / Assess
    expect(areaOf(routeKey)).toBe(area);
  });
});
